/// Why the store could not be opened, said in one line that names the file and what to do.
public struct StoreOpenError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let problem: Problem
    /// SQLite's own words, when it gave any.
    public let detail: String

    public enum Problem: Sendable, Equatable {
        case failure(StorageFailure)
        /// The file was written by a newer exporter.
        case newerSchema(found: Int, supported: Int)
        /// `tasks` (which never upgrades) met a file of an older exporter.
        case olderSchema(found: Int, supported: Int)
    }

    public init(path: String, problem: Problem, detail: String = "") {
        self.path = path
        self.problem = problem
        self.detail = detail
    }

    /// Classifies what opening, migrating or checking the file threw.
    init(path: String, error: any Error) {
        if let known = error as? StoreOpenError {
            self = known
        } else if let mismatch = error as? SchemaMismatch {
            let found = mismatch.found
            let supported = mismatch.supported
            self.init(
                path: path,
                problem: found > supported
                    ? .newerSchema(found: found, supported: supported)
                    : .olderSchema(found: found, supported: supported))
        } else if let sqlite = error as? SQLiteError {
            self.init(path: path, problem: .failure(sqlite.failure), detail: sqlite.message)
        } else {
            self.init(path: path, problem: .failure(.other), detail: "\(error)")
        }
    }

    public var description: String {
        let elsewhere = "or point --storage.path at another file"
        let why = detail.isEmpty ? "" : " (\(detail))"
        switch problem {
        case .failure(.locked):
            return "store \(path) is locked by another process (another exporter or a `tasks` command holding it "
                + "for more than 5 s); stop that process, \(elsewhere)"
        case .failure(.full), .failure(.ioError):
            return "cannot write store \(path)\(why): the disk is full, a file size limit was reached or the disk "
                + "failed; free space on its volume, \(elsewhere)"
        case .failure(.readOnly), .failure(.cannotOpen):
            return "cannot open store \(path) for writing\(why): the file or its directory is read-only or missing "
                + "for this user; give the exporter write access to the file and its directory (SQLite creates "
                + "\(path)-wal and \(path)-shm beside it), \(elsewhere)"
        case .failure(.corrupt):
            return "store \(path) is damaged\(why); restore it from a backup, or move it away to start "
                + "an empty store (counters restart from zero)"
        case .failure(.notADatabase):
            return "\(path) is not an SQLite database (or its header is damaged)\(why); point --storage.path at "
                + "the exporter's database or at a new file"
        case .newerSchema(let found, let supported):
            return "store \(path) was written by a newer suno-exporter (schema version \(found), this one knows up to "
                + "\(supported)); run that version, \(elsewhere)"
        case .olderSchema(let found, let supported):
            return "store \(path) has schema version \(found), older than this exporter's (\(supported)); start "
                + "`suno-exporter serve` of this version once to upgrade it"
        case .failure(.other):
            return "cannot open store \(path)\(why); check the file, \(elsewhere)"
        }
    }
}
