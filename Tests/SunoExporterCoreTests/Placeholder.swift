import Testing

@Test func placeholder_SunoExporterCoreTests() { #expect(Bool(true)) }
