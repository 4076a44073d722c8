import Testing

@Test func placeholder_SunoStoreTests() { #expect(Bool(true)) }
