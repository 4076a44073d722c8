import Foundation

/// Why the key file gave no key. Messages name the file and the problem, never its content.
public struct APIKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension APIKey {
    /// The name of the environment variable holding the key.
    public static let environmentVariable = "COMETAPI_KEY"

    /// The systemd credential the key is read from (`LoadCredential=cometapi-key:/path/to/key`).
    public static let credentialName = "cometapi-key"

    /// Finds the key, first match wins: the first line of `keyFile` when one is given (an explicit
    /// setting beats everything), else the systemd credential `$CREDENTIALS_DIRECTORY/cometapi-key`
    /// when that file exists, else `COMETAPI_KEY` when set and not blank, else nil (no key: requests
    /// go without `Authorization`, which a local simulator accepts).
    ///
    /// - Throws: `APIKeyError` when the key file or the credential cannot be read, is not UTF-8 text,
    ///   or its first line is blank; or when the key holds a control character (a line break inside
    ///   `COMETAPI_KEY` would otherwise end the `Authorization` header early). The message never
    ///   quotes the key or the file.
    public static func load(environment: [String: String], keyFile: String?) throws(APIKeyError) -> APIKey? {
        if let keyFile {
            return try checked(loadFile(keyFile), source: "key file \(keyFile)")
        }
        if let credential = credentialPath(environment: environment) {
            return try checked(loadFile(credential), source: "credential \(credential)")
        }
        if let value = environment[environmentVariable] {
            let key = APIKey(value)
            return key.isEmpty ? nil : try checked(key, source: environmentVariable)
        }
        return nil
    }

    /// `$CREDENTIALS_DIRECTORY/cometapi-key` when systemd passed that credential (the variable is set
    /// and the file exists); nil otherwise, so a unit loading other credentials still falls back to
    /// `COMETAPI_KEY`. An existing file that cannot be read is an error, not a silent fallback.
    static func credentialPath(environment: [String: String]) -> String? {
        guard let directory = environment["CREDENTIALS_DIRECTORY"], directory.hasPrefix("/") else { return nil }
        let path = directory.hasSuffix("/") ? directory + credentialName : directory + "/" + credentialName
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// A key is sent in a header line: control characters (CR, LF, NUL, tab…) have no place in it.
    private static func checked(_ key: APIKey, source: String) throws(APIKeyError) -> APIKey {
        guard !key.secret.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw APIKeyError("the key in \(source) holds a control character (a line break or tab inside it?)")
        }
        return key
    }

    private static func loadFile(_ path: String) throws(APIKeyError) -> APIKey {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        guard unsafe files.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw APIKeyError("cannot read key file \(path): no such file")
        }
        guard !isDirectory.boolValue else {
            throw APIKeyError("cannot read key file \(path): it is a directory")
        }
        guard files.isReadableFile(atPath: path), let data = files.contents(atPath: path) else {
            throw APIKeyError("cannot read key file \(path): permission denied")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw APIKeyError("key file \(path) is not UTF-8 text")
        }
        // `isNewline` also ends a line at "\r\n", which Swift treats as one Character.
        let key = APIKey(String(text.prefix { !$0.isNewline }))
        guard !key.isEmpty else {
            throw APIKeyError("key file \(path) is empty: its first line must hold the key")
        }
        return key
    }
}
