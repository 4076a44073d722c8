import Foundation
import SunoUpstream
import Testing

/// The key as a systemd credential (`LoadCredential=cometapi-key:…`): systemd puts the file in a private
/// directory and names it in `$CREDENTIALS_DIRECTORY`. Precedence: `--cometapi.key-file`, then the
/// credential, then `COMETAPI_KEY`.
@Suite struct CredentialsDirectoryTests {
    /// A directory laid out as systemd does: one file per credential, named after it.
    private struct CredentialsDirectory {
        let path: String

        init(_ credentials: [String: String]) throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("suno-creds-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            for (name, contents) in credentials {
                try contents.write(toFile: path + "/" + name, atomically: true, encoding: .utf8)
            }
        }

        func remove() { try? FileManager.default.removeItem(atPath: path) }
    }

    @Test func theCredentialIsReadWhenNoKeyFileIsGiven() throws {
        let credentials = try CredentialsDirectory(["cometapi-key": "sk-credential\n"])
        defer { credentials.remove() }
        let key = try APIKey.load(environment: ["CREDENTIALS_DIRECTORY": credentials.path], keyFile: nil)
        #expect(key == APIKey("sk-credential"))
    }

    @Test func theCredentialWinsOverTheEnvironmentVariable() throws {
        let credentials = try CredentialsDirectory(["cometapi-key": "sk-credential"])
        defer { credentials.remove() }
        let environment = ["CREDENTIALS_DIRECTORY": credentials.path, "COMETAPI_KEY": "sk-env"]
        #expect(try APIKey.load(environment: environment, keyFile: nil) == APIKey("sk-credential"))
    }

    @Test func theKeyFileFlagWinsOverTheCredential() throws {
        let credentials = try CredentialsDirectory(["cometapi-key": "sk-credential", "flag-key": "sk-flag\n"])
        defer { credentials.remove() }
        let environment = ["CREDENTIALS_DIRECTORY": credentials.path, "COMETAPI_KEY": "sk-env"]
        let key = try APIKey.load(environment: environment, keyFile: credentials.path + "/flag-key")
        #expect(key == APIKey("sk-flag"))
    }

    @Test func otherCredentialsFallBackToTheEnvironmentVariable() throws {
        // A unit may load credentials for other purposes (the API token): no cometapi-key file, no error.
        let credentials = try CredentialsDirectory(["api-token": "token"])
        defer { credentials.remove() }
        let environment = ["CREDENTIALS_DIRECTORY": credentials.path, "COMETAPI_KEY": "sk-env"]
        #expect(try APIKey.load(environment: environment, keyFile: nil) == APIKey("sk-env"))
        #expect(try APIKey.load(environment: ["CREDENTIALS_DIRECTORY": credentials.path], keyFile: nil) == nil)
    }

    @Test func aRelativeCredentialsDirectoryIsIgnored() throws {
        // systemd always sets an absolute path; a relative one is not from systemd and is not trusted.
        #expect(try APIKey.load(environment: ["CREDENTIALS_DIRECTORY": "relative"], keyFile: nil) == nil)
    }

    @Test func anEmptyCredentialIsAClearErrorThatQuotesNothing() throws {
        let credentials = try CredentialsDirectory(["cometapi-key": "\nsk-second-line\n"])
        defer { credentials.remove() }
        let environment = ["CREDENTIALS_DIRECTORY": credentials.path, "COMETAPI_KEY": "sk-env"]
        do {
            _ = try APIKey.load(environment: environment, keyFile: nil)
            Issue.record("an empty first line must not fall back to COMETAPI_KEY silently")
        } catch {
            #expect(error.description.contains("cometapi-key"), "names the file: \(error.description)")
            #expect(error.description.contains("empty"))
            #expect(!error.description.contains("sk-"), "quotes nothing of the key")
        }
    }

    @Test func aControlCharacterInTheCredentialIsRefused() throws {
        let credentials = try CredentialsDirectory(["cometapi-key": "sk-a\u{0}b\n"])
        defer { credentials.remove() }
        #expect(throws: APIKeyError.self) {
            try APIKey.load(environment: ["CREDENTIALS_DIRECTORY": credentials.path], keyFile: nil)
        }
    }
}
