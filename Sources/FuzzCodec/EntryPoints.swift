// Two entry points around `fuzzOne` (FuzzOne.swift):
//
// * `-D FUZZING` (scripts/fuzz, built with `-sanitize=fuzzer`): the libFuzzer driver
//   runs and calls `LLVMFuzzerTestOneInput` for every input it generates.
// * otherwise (the normal `swift build`): a replayer, `FuzzCodec DIR_OR_FILE...`,
//   that runs every file of the given corpus directories through the same checks, so
//   CI replays the committed corpus (Tests/FuzzCorpus/codec) without libFuzzer.
//   A broken check traps with a message naming the input; exit 2 when a path cannot
//   be read or there was nothing to run.
//
// Both are `@main` types in a file that is not main.swift: SwiftPM renames an
// executable's entry point to `FuzzCodec_main` and links with `--defsym
// main=FuzzCodec_main` on Linux, so a target without a `@main` does not link.

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

#if FUZZING

    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzCodecTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        fuzzOne(UnsafeRawBufferPointer(start: data, count: size))
        return 0
    }

    /// libFuzzer's documented entry for programs that keep their own `main`
    /// (`int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*cb)(const uint8_t *, size_t))`),
    /// in the `-sanitize=fuzzer` runtime that swiftc links.
    @_silgen_name("LLVMFuzzerRunDriver")
    func LLVMFuzzerRunDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt

    /// SwiftPM links every Linux executable with `--defsym main=<module>_main`, which is
    /// what `@main` defines, so libFuzzer's own `main` is never used: this one hands the
    /// command line to the libFuzzer driver, which then behaves exactly as usual.
    @main
    struct FuzzCodecFuzzer {
        static func main() {
            var argc = CommandLine.argc
            var argv = CommandLine.unsafeArgv
            exit(LLVMFuzzerRunDriver(&argc, &argv, { data, size in fuzzCodecTestOneInput(data, size) }))
        }
    }

#else

    /// Reads a whole file; nil when it cannot be opened or read.
    func readFile(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var contents: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
            contents.append(contentsOf: chunk[..<count])
            if count < chunk.count { return ferror(file) == 0 ? contents : nil }
        }
    }

    /// The regular files of a directory (not recursive, hidden files skipped), sorted
    /// so runs are reproducible; `[path]` when `path` is a file; nil when unreadable.
    func inputFiles(_ path: String) -> [String]? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        if info.st_mode & S_IFMT != S_IFDIR { return [path] }
        guard let directory = opendir(path) else { return nil }
        defer { closedir(directory) }
        var files: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name.hasPrefix(".") { continue }
            let full = path.hasSuffix("/") ? path + name : path + "/" + name
            var fileInfo = stat()
            if stat(full, &fileInfo) == 0, fileInfo.st_mode & S_IFMT == S_IFREG { files.append(full) }
        }
        return files.sorted()
    }

    @main
    struct FuzzCodecReplay {
        static func main() {
            let arguments = CommandLine.arguments.dropFirst()
            let verbose = arguments.contains("-v")
            let paths = arguments.filter { $0 != "-v" }
            if paths.isEmpty || paths.contains("-h") || paths.contains("--help") {
                print("usage: FuzzCodec [-v] CORPUS_DIR_OR_FILE...   (replays every file through the codec checks)")
                exit(paths.isEmpty ? 2 : 0)
            }

            var ran = 0
            var unreadable = 0
            for path in paths {
                guard let files = inputFiles(path) else {
                    print("FuzzCodec: cannot read \(path)")
                    unreadable += 1
                    continue
                }
                for file in files {
                    guard let bytes = readFile(file) else {
                        print("FuzzCodec: cannot read \(file)")
                        unreadable += 1
                        continue
                    }
                    if verbose { print("FuzzCodec: \(file) (\(bytes.count) bytes)") }
                    bytes.withUnsafeBytes { fuzzOne($0) }
                    ran += 1
                }
            }
            print("FuzzCodec: ran \(ran) inputs from \(paths.count) path(s), \(unreadable) unreadable")
            exit(unreadable == 0 && ran > 0 ? 0 : 2)
        }
    }

#endif
