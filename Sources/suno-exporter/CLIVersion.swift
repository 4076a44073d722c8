import SunoExporterApp

enum CLIVersion {
    static var string: String {
        let info = BuildVersion.info
        return "suno-exporter \(info.version) (revision \(info.revision), swift \(info.swiftVersion))"
    }
}
