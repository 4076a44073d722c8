import SunoExporterApp
import Testing

/// `--web.listen-address` and `--shard` inputs the flags fuzz target (Sources/suno-fuzz/FlagsFuzz.swift)
/// found broken or that guard its properties.
struct FuzzFoundFlagTests {
    /// `x]]:9877` was accepted with the host `x]`, printed as `[x]]]:9877` (which does not parse); a host
    /// starting with a combining mark (U+0610) hid the `[` before it and printed bracketed; a NUL in the
    /// host would reach the resolver cut short. A host is now printable ASCII without brackets.
    @Test(arguments: [
        "\u{FFFD}::1\0\0\0\0]]:9877", "a]:b:9877", "[::1]]:9877",
        "\u{0610}\u{FFFD}M0m::1,MUSIC=0m,M:76", "\u{0610}::1:76", "caf\u{E9}:80", "local\0host:9877", "my host:80",
        "a[b:80",
    ])
    func hostsThatCannotBeAddressesAreRefused(_ text: String) {
        #expect(throws: ListenAddress.ParseError.self) { try ListenAddress(parsing: text) }
    }

    @Test(arguments: [
        ":9877", "127.0.0.1:9877", "[::1]:9877", "::1:9877", "localhost:0", "0.0.0.0:80", "example.org:1",
    ])
    func addressesPrintAsTheyParse(_ text: String) throws {
        let address = try ListenAddress(parsing: text)
        #expect(try ListenAddress(parsing: address.description) == address)
    }

    @Test func shardsParseAsServeTakesThem() throws {
        #expect(try Shard(parsing: "2/3") == Shard(index: 2, count: 3))
        for bad in ["3/3", "-1/3", "0/0", "1", "1/2/3", "a/b", ""] {
            #expect(throws: Shard.ParseError.self) { try Shard(parsing: bad) }
        }
    }
}
