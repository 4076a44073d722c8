import ArgumentParser
import Foundation
import SunoExporterApp
import SunoExporterCore
import SunoStore

/// `suno-exporter tasks …`: the watch list from the shell, on the same database as a running server.
struct TasksCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tasks", abstract: "Manage the watch list in the SQLite store.",
        subcommands: [Add.self, Import.self, List.self, Show.self, Forget.self])

    struct StoreOptions: ParsableArguments {
        @Option(name: .customLong("storage.path"), help: "SQLite database file (the same as the server's).")
        var storagePath = "./suno-exporter.db"

        func open() throws -> TaskStore {
            do {
                return try TaskStore(path: storagePath, upgrading: false)
            } catch let error as StoreOpenError {
                throw TasksCommandError(error.description)
            } catch {
                throw TasksCommandError("cannot open store \(storagePath): \(error)")
            }
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Watch task ids.")
        @OptionGroup var store: StoreOptions
        @Option(name: .customLong("action"), help: "MUSIC or LYRICS.") var action = "MUSIC"
        @Option(
            name: .customLong("model"), help: "Model the tasks were submitted with (until the gateway reports one).")
        var model: String?
        @Option(name: .customLong("label"), help: "A label key=value kept with the tasks (repeatable).") var labels:
            [String] = []
        @Argument(help: "Task ids as the gateway returned them.") var ids: [String]

        func run() throws {
            guard let taskAction = TaskAction(parsing: action) else {
                throw ValidationError("--action must be MUSIC or LYRICS (got \"\(action)\")")
            }
            let parsedLabels = try TaskInput.labels(labels)
            let registrations = try ids.map { id in
                try TaskInput.validated(Registration(id: id, action: taskAction, model: model, labels: parsedLabels))
            }
            let result = try store.open().register(registrations, source: "cli", now: Date().timeIntervalSince1970)
            print("added \(result.accepted), already watched \(result.duplicates)")
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Watch ids from a file: one id per line, or JSON lines {\"id\",\"action\",\"model\",\"labels\"}.")
        @OptionGroup var store: StoreOptions
        @Option(name: .customLong("action"), help: "Action for plain-id lines.") var action = "MUSIC"
        @Option(name: .customLong("model"), help: "Model for lines that give none.") var model: String?
        @Argument(help: "File to read; - for standard input.") var file: String

        func run() throws {
            guard let defaultAction = TaskAction(parsing: action) else {
                throw ValidationError("--action must be MUSIC or LYRICS (got \"\(action)\")")
            }
            let data: Data?
            if file == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                data = FileManager.default.contents(atPath: file)
            }
            guard let data, let text = String(data: data, encoding: .utf8) else {
                throw ValidationError("cannot read \(file) as UTF-8 text")
            }
            var registrations: [Registration] = []
            for (number, rawLine) in text.split(whereSeparator: \.isNewline).enumerated() {
                let line = rawLine.trimmingCharacters(in: .whitespaces)
                if line.isEmpty || line.hasPrefix("#") { continue }
                do {
                    registrations.append(
                        try TaskInput.validated(
                            TaskInput.parseLine(line, defaultAction: defaultAction, defaultModel: model)))
                } catch {
                    throw ValidationError("\(file):\(number + 1): \(error)")
                }
            }
            let result = try store.open().register(registrations, source: "cli", now: Date().timeIntervalSince1970)
            print("imported \(result.accepted), already watched \(result.duplicates)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List watched tasks, newest first.")
        @OptionGroup var store: StoreOptions
        @Option(
            name: .customLong("status"),
            help: "A gateway status, an outcome (success, failure, expired), active or finished.")
        var status: String?
        @Option(name: .customLong("action"), help: "MUSIC or LYRICS.") var action: String?
        @Option(name: .customLong("model"), help: "Model name.") var model: String?
        @Option(name: .customLong("limit"), help: "Rows to show.") var limit = 50
        @Option(name: .customLong("offset"), help: "Rows to skip.") var offset = 0

        func run() throws {
            let filterAction = try action.map { text in
                guard let parsed = TaskAction(parsing: text) else {
                    throw ValidationError("--action must be MUSIC or LYRICS")
                }
                return parsed
            }
            let filterStatus = try status.map { text in
                guard let parsed = TaskFilter.Status(parsing: text) else {
                    throw ValidationError("--status must be one of \(TaskFilter.Status.accepted) (got \"\(text)\")")
                }
                return parsed
            }
            let tasks = try store.open().list(
                TaskFilter(
                    status: filterStatus, action: filterAction, model: model, limit: max(1, limit),
                    offset: max(0, offset)))
            print(TaskTable.render(tasks), terminator: "")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one task and its status history.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "Task id.") var id: String

        func run() throws {
            let opened = try store.open()
            guard let task = try opened.task(id: id) else {
                throw TasksCommandError("no such task: \(id)")
            }
            print(TaskTable.detail(task, history: try opened.history(id: id)), terminator: "")
        }
    }

    struct Forget: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop watching a task (counters it fed stay).")
        @OptionGroup var store: StoreOptions
        @Argument(help: "Task ids.") var ids: [String]

        func run() throws {
            let opened = try store.open()
            var unknown: [String] = []
            for id in ids where try !opened.forget(id: id) { unknown.append(id) }
            print("forgot \(ids.count - unknown.count), unknown \(unknown.count)")
            if !unknown.isEmpty { throw TasksCommandError("no such task: \(unknown.joined(separator: ", "))") }
        }
    }
}

/// A failure of a `tasks` subcommand that is not a usage error: printed as one line, exit status 1
/// (ArgumentParser reserves 64 for usage errors such as a bad flag value).
struct TasksCommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
