import ArgumentParser
import Foundation
import SunoExporterApp

/// The `suno-exporter` command line: parsing and wiring only; everything else lives in SunoExporterApp.
@main
struct SunoExporterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suno-exporter",
        abstract: "Prometheus exporter for Suno music and lyrics tasks behind the CometAPI gateway.",
        version: CLIVersion.string,
        subcommands: [ServeCommand.self, SimulateCommand.self, TasksCommand.self],
        defaultSubcommand: ServeCommand.self)

    /// Bad flags exit non-zero with one clear line instead of a usage dump.
    static func main() async {
        CrashReports.withoutRegisterDumps()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let exit as ExitCode {
            // The command already said why (a log line or a message); only the status is left.
            Foundation.exit(exit.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                exit(withError: error)
            }
            let message = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            FileHandle.standardError.write(Data("suno-exporter: \(message)\n".utf8))
            Foundation.exit(code.rawValue)
        }
    }
}
