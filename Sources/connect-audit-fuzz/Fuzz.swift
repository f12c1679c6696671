import AuditModel
import Foundation
import SnapshotReading

/// libFuzzer targets for the readers (`scripts/fuzz`): one binary, the reader chosen by
/// `FUZZ_READER` (`ndjson`, `json`, `csv`, `aws`, `ddsql`, `trail`). Built with
/// `-sanitize=fuzzer` by the script; a plain build links too and only says how to run it.
///
/// Each input is read whole; a reader may refuse it (that is the point) but must not
/// crash, hang or accept a record without a `_key`; as NDJSON, the fast path for flat rows
/// must agree with the strict path (a differential check).
@main
enum Fuzz {
    nonisolated(unsafe) static var reader = ProcessInfo.processInfo.environment["FUZZ_READER"] ?? "ndjson"

    static func main() {
        // libFuzzer's driver, when this binary was built with -sanitize=fuzzer (and exports
        // its symbols): looked up at run time so a plain build links without it.
        typealias Driver = @convention(c) (
            UnsafeMutablePointer<CInt>, UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
            @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
        ) -> CInt
        guard let program = dlopen(nil, RTLD_NOW), let symbol = dlsym(program, "LLVMFuzzerRunDriver") else {
            FileHandle.standardError.write(Data("this binary has no fuzzer: build and run it with scripts/fuzz\n".utf8))
            exit(2)
        }
        let driver = unsafeBitCast(symbol, to: Driver.self)
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(driver(&argc, &argv) { data, size in
            Fuzz.one(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
            return 0
        })
    }

    /// Reads one input with the chosen reader.
    static func one(_ bytes: [UInt8]) {
        if reader == "trail" {
            let reading = TrailReader.read(bytes, file: "fuzz")
            precondition(reading.events.allSatisfy { !$0.eventID.isEmpty && !$0.instanceID.isEmpty })
            return
        }
        if reader == "ndjson" || reader == "aws" {
            // The fast path for flat rows (and for pull aws lines) must build what the strict
            // path builds, or give up.
            for line in bytes.split(separator: 0x0A) {
                let agrees = reader == "aws" ? FlatJSONRow.agreesWithStrictAWSPath(Array(line)) : FlatJSONRow.agreesWithStrictPath(Array(line))
                precondition(agrees, "FlatJSONRow read a row differently from the strict path")
            }
        }
        guard let format = SnapshotFormat(rawValue: reader) else { fatalError("FUZZ_READER \(reader) is not a reader") }
        if let records = try? SnapshotAssembler.read([("fuzz", bytes)], format: format) {
            precondition(records.allSatisfy { !$0.profile.key.isEmpty }, "a record without a _key was accepted")
        }
    }
}
