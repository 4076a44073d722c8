import Foundation

// One executable hosts every fuzz target; SUNO_FUZZ_TARGET picks one (see FuzzTargets.all and
// Tests/fuzz/run.sh). One binary means one extra link in every normal build instead of one per target.
//
// `make fuzz` builds with `--sanitize=fuzzer -Xswiftc -DSUNO_FUZZING`: libFuzzer brings `main` and calls
// LLVMFuzzerTestOneInput, so this module must not have one (executable targets without main.swift are
// compiled with -parse-as-library). A normal build has no libFuzzer to link, so it gets a `main` that
// replays input files through the same targets: the harnesses are type-checked by every `swift build`,
// and a crashing input found by the fuzzer can be replayed under the debugger or the backtracer.

#if SUNO_FUZZING
    /// The target named by SUNO_FUZZ_TARGET, chosen once (libFuzzer calls in from one thread).
    nonisolated(unsafe) private var selectedTarget: FuzzTarget?

    @_cdecl("LLVMFuzzerInitialize")
    public func fuzzInitialize(
        _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
    ) -> CInt {
        do {
            selectedTarget = try FuzzTargets.fromEnvironment()
        } catch {
            FileHandle.standardError.write(Data("suno-fuzz: \(error.description)\n".utf8))
            exit(2)
        }
        return 0
    }

    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
        selectedTarget?.run(bytes)
        return 0
    }
#else
    @main
    enum FuzzReplay {
        /// `suno-fuzz FILE_OR_DIR…` with SUNO_FUZZ_TARGET set: runs each file once through the target.
        static func main() {
            let target: FuzzTarget
            do { target = try FuzzTargets.fromEnvironment() } catch {
                FileHandle.standardError.write(Data("suno-fuzz: \(error.description)\n".utf8))
                exit(2)
            }
            var count = 0
            for path in CommandLine.arguments.dropFirst() {
                for file in files(at: path) {
                    guard let data = FileManager.default.contents(atPath: file) else { continue }
                    target.run(Array(data))
                    count += 1
                }
            }
            print("suno-fuzz: \(target.name): replayed \(count) inputs without a failure")
        }

        static func files(at path: String) -> [String] {
            var isDirectory: ObjCBool = false
            guard unsafe FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [] }
            guard isDirectory.boolValue else { return [path] }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            return names.sorted().map { path + "/" + $0 }
        }
    }
#endif
