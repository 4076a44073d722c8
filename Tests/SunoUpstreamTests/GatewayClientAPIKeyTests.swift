import Foundation
import SunoTestSupport
import SunoUpstream
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `APIKey.load`: the environment or a key file, with errors that never quote the file.
@Suite struct GatewayClientAPIKeyTests {
    private static func temporaryFile(_ contents: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("suno-key-\(UUID().uuidString)").path
        guard FileManager.default.createFile(atPath: path, contents: Data(contents)) else {
            throw CocoaError(.fileWriteUnknown)
        }
        return path
    }

    @Test func readsTheEnvironment() throws {
        let key = try APIKey.load(environment: ["COMETAPI_KEY": " sk-env \n"], keyFile: nil)
        #expect(key == APIKey("sk-env"))
    }

    @Test(arguments: ["sk-one\nsk-two", "sk-a\r\nInjected: header", "sk-\u{0}x", "sk-\tx"])
    func aKeyWithAControlCharacterInsideIsRefused(value: String) throws {
        #expect(throws: APIKeyError.self) { try APIKey.load(environment: ["COMETAPI_KEY": value], keyFile: nil) }
        do {
            _ = try APIKey.load(environment: ["COMETAPI_KEY": value], keyFile: nil)
        } catch {
            #expect(error.description.contains("COMETAPI_KEY"))
            #expect(!error.description.contains("sk-"), "the message quotes nothing of the key")
        }
        let path = try Self.temporaryFile(Array((value.replacingOccurrences(of: "\n", with: " ") + "\n").utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        if value.contains("\u{0}") || value.contains("\t") {
            #expect(throws: APIKeyError.self) { try APIKey.load(environment: [:], keyFile: path) }
        }
    }

    @Test func noKeyAnywhereIsNil() throws {
        #expect(try APIKey.load(environment: [:], keyFile: nil) == nil)
        #expect(try APIKey.load(environment: ["COMETAPI_KEY": "  \n"], keyFile: nil) == nil)
    }

    @Test func readsTheFirstLineOfTheKeyFile() throws {
        let path = try Self.temporaryFile(Array("  sk-file\r\nsecond line\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try APIKey.load(environment: [:], keyFile: path) == APIKey("sk-file"))
    }

    @Test func theKeyFileWinsOverTheEnvironment() throws {
        let path = try Self.temporaryFile(Array("sk-file\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try APIKey.load(environment: ["COMETAPI_KEY": "sk-env"], keyFile: path) == APIKey("sk-file"))
    }

    @Test func aMissingKeyFileIsAClearError() {
        let path = "/nonexistent/suno-key"
        #expect {
            try APIKey.load(environment: ["COMETAPI_KEY": "sk-env"], keyFile: path)
        } throws: { error in
            "\(error)" == "cannot read key file /nonexistent/suno-key: no such file"
        }
    }

    @Test func aDirectoryIsNotAKeyFile() {
        let path = FileManager.default.temporaryDirectory.path
        #expect {
            try APIKey.load(environment: [:], keyFile: path)
        } throws: { error in
            "\(error)".contains("is a directory")
        }
    }

    @Test(arguments: ["", "\n", "   \nsk-on-the-second-line\n"])
    func anEmptyFirstLineIsAnError(contents: String) throws {
        let path = try Self.temporaryFile(Array(contents.utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            try APIKey.load(environment: [:], keyFile: path)
        } throws: { error in
            "\(error)".contains("is empty") && !"\(error)".contains("sk-on")
        }
    }

    @Test func aBinaryKeyFileIsAnErrorThatQuotesNothing() throws {
        let path = try Self.temporaryFile([0x73, 0x6B, 0x2D, 0xFF, 0xFE, 0x41])
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect {
            try APIKey.load(environment: [:], keyFile: path)
        } throws: { error in
            "\(error)" == "key file \(path) is not UTF-8 text"
        }
    }

    @Test(.enabled(if: getuid() != 0, "root reads every file"))
    func anUnreadableKeyFileIsAnError() throws {
        let path = try Self.temporaryFile(Array("sk-hidden\n".utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: path)
        #expect {
            try APIKey.load(environment: [:], keyFile: path)
        } throws: { error in
            "\(error)".contains("permission denied") && !"\(error)".contains("sk-hidden")
        }
    }
}
