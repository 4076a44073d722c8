import CSQLite

/// A SQLite failure with the result code, SQLite's message and the statement it came from.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String
    public let sql: String?

    public var description: String {
        let base = "sqlite error \(code): \(message)"
        guard let sql else { return base }
        return "\(base) (in \"\(sql.prefix(80))\")"
    }

    /// SQLITE_BUSY / SQLITE_LOCKED: another connection holds the lock past the busy timeout.
    public var isBusy: Bool { failure == .locked }

    /// What went wrong, in the terms a user acts on.
    public var failure: StorageFailure {
        switch code & 0xff {
        case SQLITE_BUSY, SQLITE_LOCKED: .locked
        case SQLITE_FULL: .full
        case SQLITE_IOERR: .ioError
        case SQLITE_READONLY: .readOnly
        case SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_AUTH: .cannotOpen
        case SQLITE_CORRUPT: .corrupt
        case SQLITE_NOTADB: .notADatabase
        default: .other
        }
    }
}

/// Classes of storage failure, by what a user does about them.
public enum StorageFailure: String, Sendable, Equatable {
    case locked, full, ioError, readOnly, cannotOpen, corrupt, notADatabase, other

    /// A few words for logs and `/-/ready`.
    public var summary: String {
        switch self {
        case .locked: "locked by another process"
        case .full: "disk full"
        case .ioError: "I/O error: disk full or failing"
        case .readOnly: "read-only"
        case .cannotOpen: "cannot open the file"
        case .corrupt: "damaged file"
        case .notADatabase: "not an SQLite database"
        case .other: "SQLite error"
        }
    }

    /// Failures that are one problem to a user (a full disk answers FULL or an I/O error, depending
    /// on where a write stopped): a change within a group is not worth another log line.
    public var group: Int {
        switch self {
        case .locked: 0
        case .full, .ioError: 1
        case .readOnly, .cannotOpen: 2
        case .corrupt, .notADatabase: 3
        case .other: 4
        }
    }

    /// The class of any error thrown by the store.
    public init(_ error: any Error) {
        self = (error as? SQLiteError)?.failure ?? .other
    }
}
