import Testing

@Test func placeholder_SunoExporterIntegrationTests() { #expect(Bool(true)) }
