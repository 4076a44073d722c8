import ArgumentParser
import Logging
import SunoExporterApp

/// `--log.level` and `--log.format`, shared by every subcommand that runs a service.
struct LoggingOptions: ParsableArguments {
    @Option(
        name: .customLong("log.level"), help: "Only log messages with this severity or above: debug, info, warn, error."
    )
    var level: String = "info"

    @Option(name: .customLong("log.format"), help: "Output format of log messages: logfmt or json.")
    var format: String = "logfmt"

    func validate() throws {
        guard Self.levels[level] != nil else {
            throw ValidationError("--log.level must be one of debug, info, warn, error (got \"\(level)\")")
        }
        guard LogFormat(rawValue: format) != nil else {
            throw ValidationError("--log.format must be logfmt or json (got \"\(format)\")")
        }
    }

    static let levels: [String: Logger.Level] = [
        "trace": .trace, "debug": .debug, "info": .info, "warn": .warning, "warning": .warning, "error": .error,
    ]

    /// Bootstraps swift-log once and returns the root logger.
    func bootstrap(label: String) -> Logger {
        let logLevel = Self.levels[level] ?? .info
        let logFormat = LogFormat(rawValue: format) ?? .logfmt
        LoggingSystem.bootstrap { name in LineLogHandler(label: name, level: logLevel, format: logFormat) }
        return Logger(label: label)
    }
}
