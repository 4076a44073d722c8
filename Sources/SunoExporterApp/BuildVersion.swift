import CBuildInfo
import SunoExporterCore

/// Version facts fixed at build time.
public enum BuildVersion {
    public static let version = "0.1.0"

    public static var info: BuildInfo {
        #if compiler(>=6.3)
            let swift = "6.3"
        #elseif compiler(>=6.2)
            let swift = "6.2"
        #else
            let swift = "6.x"
        #endif
        return unsafe BuildInfo(version: version, revision: String(cString: suno_build_revision()), swiftVersion: swift)
    }
}
