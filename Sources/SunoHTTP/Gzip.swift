import CZlib

/// Why a gzip stream could not be decompressed.
public struct GzipError: Error, CustomStringConvertible, Equatable {
    public let description: String
}

/// gzip (RFC 1952) over the system zlib. Every zlib call and pointer of the project is in this file.
///
/// Used once per published metrics snapshot (compression) and by tests (decompression); never per scrape.
public enum Gzip {
    /// zlib's default trade-off; 1 is fastest, 9 smallest.
    public static let defaultLevel = 6

    /// Compresses `bytes` into one gzip member. `level` is clamped to zlib's -1...9 (-1 = default).
    public static func compress(_ bytes: [UInt8], level: Int = defaultLevel) -> [UInt8] {
        unsafe bytes.withUnsafeBytes { unsafe compress($0, level: level) }
    }

    /// Compresses `bytes` into one gzip member. `level` is clamped to zlib's -1...9 (-1 = default).
    public static func compress(_ bytes: UnsafeRawBufferPointer, level: Int = defaultLevel) -> [UInt8] {
        // zlib keeps a pointer back to the z_stream in its state and checks it on every call, so the
        // stream must not move: it lives on the heap, not in a Swift local that inout may copy.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        unsafe stream.initialize(to: z_stream())
        defer { unsafe stream.deallocate() }
        let status = unsafe czlib_deflate_init_gzip(stream, Int32(max(-1, min(level, 9))))
        // Only Z_MEM_ERROR is possible with valid parameters: the process cannot allocate anyway.
        guard status == Z_OK else { fatalError("zlib deflateInit2 failed with status \(status)") }
        defer { unsafe deflateEnd(stream) }

        var output = unsafe [UInt8](repeating: 0, count: max(64, Int(deflateBound(stream, uLong(bytes.count)))))
        var produced = 0
        var consumed = 0
        while true {
            if produced == output.count { output.append(contentsOf: repeatElement(0, count: output.count)) }
            let inputChunk = min(bytes.count - consumed, Int(UInt32.max))
            let isLastChunk = consumed + inputChunk == bytes.count
            let result = unsafe output.withUnsafeMutableBufferPointer {
                out -> (status: Int32, read: Int, written: Int) in
                let room = min(out.count - produced, Int(UInt32.max))
                // zlib never writes through next_in (it is not declared const without ZLIB_CONST).
                unsafe stream.pointee.next_in = unsafe bytes.baseAddress.map {
                    unsafe UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self) + consumed)
                }
                unsafe stream.pointee.avail_in = uInt(inputChunk)
                unsafe stream.pointee.next_out = unsafe out.baseAddress! + produced
                unsafe stream.pointee.avail_out = uInt(room)
                let status = unsafe deflate(stream, isLastChunk ? Z_FINISH : Z_NO_FLUSH)
                return unsafe (
                    status, inputChunk - Int(stream.pointee.avail_in), room - Int(stream.pointee.avail_out)
                )
            }
            consumed += result.read
            produced += result.written
            if result.status == Z_STREAM_END { break }
            // Z_OK: more room or input needed; Z_BUF_ERROR: no progress this round, the loop grows the output.
            guard result.status == Z_OK || result.status == Z_BUF_ERROR else {
                fatalError("zlib deflate failed with status \(result.status)")
            }
        }
        output.removeSubrange(produced...)
        return output
    }

    /// Decompresses gzip data (concatenated members too). Throws on corrupt, truncated or non-gzip
    /// input, and when the result would exceed `maxBytes`.
    public static func decompress(_ bytes: [UInt8], maxBytes: Int = .max) throws -> [UInt8] {
        try unsafe bytes.withUnsafeBytes { try unsafe decompress($0, maxBytes: maxBytes) }
    }

    /// Decompresses gzip data (concatenated members too). Throws on corrupt, truncated or non-gzip
    /// input, and when the result would exceed `maxBytes`.
    public static func decompress(_ bytes: UnsafeRawBufferPointer, maxBytes: Int = .max) throws -> [UInt8] {
        guard unsafe !bytes.isEmpty else { throw GzipError(description: "empty input is not a gzip stream") }
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        unsafe stream.initialize(to: z_stream())
        defer { unsafe stream.deallocate() }
        let initStatus = unsafe czlib_inflate_init_gzip(stream)
        guard initStatus == Z_OK else { throw GzipError(description: "zlib inflateInit2 failed (\(initStatus))") }
        defer { unsafe inflateEnd(stream) }

        var output = [UInt8](repeating: 0, count: min(max(256, bytes.count * 4), max(maxBytes, 1)))
        var produced = 0
        var consumed = 0
        while true {
            if produced == output.count {
                guard output.count < maxBytes else {
                    throw GzipError(description: "decompressed data larger than \(maxBytes) bytes")
                }
                output.append(contentsOf: repeatElement(0, count: min(output.count, maxBytes - output.count)))
            }
            let inputChunk = min(bytes.count - consumed, Int(UInt32.max))
            let result = unsafe output.withUnsafeMutableBufferPointer {
                out -> (status: Int32, read: Int, written: Int) in
                let room = min(out.count - produced, Int(UInt32.max))
                unsafe stream.pointee.next_in = unsafe UnsafeMutablePointer(
                    mutating: bytes.baseAddress!.assumingMemoryBound(to: Bytef.self) + consumed)
                unsafe stream.pointee.avail_in = uInt(inputChunk)
                unsafe stream.pointee.next_out = unsafe out.baseAddress! + produced
                unsafe stream.pointee.avail_out = uInt(room)
                let status = unsafe inflate(stream, Z_NO_FLUSH)
                return unsafe (
                    status, inputChunk - Int(stream.pointee.avail_in), room - Int(stream.pointee.avail_out)
                )
            }
            consumed += result.read
            produced += result.written
            switch result.status {
            case Z_STREAM_END:
                // Another gzip member may follow (RFC 1952 §2.2); anything else after it is garbage.
                if consumed == bytes.count {
                    output.removeSubrange(produced...)
                    return output
                }
                guard unsafe inflateReset(stream) == Z_OK else {
                    throw GzipError(description: "zlib inflateReset failed")
                }
            case Z_OK:
                continue
            case Z_BUF_ERROR:
                // No progress: either the output is full (grown above) or the input ended early.
                if produced < output.count && consumed == bytes.count {
                    throw GzipError(description: "truncated gzip stream")
                }
            default:
                let message = unsafe stream.pointee.msg.map { unsafe String(cString: $0) } ?? "status \(result.status)"
                throw GzipError(description: "corrupt gzip stream: \(message)")
            }
        }
    }
}
