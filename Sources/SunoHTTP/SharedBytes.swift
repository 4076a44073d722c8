/// An immutable byte buffer with a stable address, so libmicrohttpd can send it to many
/// clients at once without copying it. Created once per published snapshot.
public final class SharedBytes: Sendable {
    // The allocation is kept as an address (a Sendable integer): it is written once in init,
    // never mutated and freed in deinit, so sharing it between threads is safe.
    private let address: UInt
    public let count: Int

    public init(_ bytes: some Collection<UInt8>) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        _ = unsafe buffer.initializeMemory(as: UInt8.self, from: bytes)
        address = UInt(bitPattern: buffer.baseAddress)
        count = bytes.count
    }

    deinit { unsafe UnsafeMutableRawPointer(bitPattern: address)?.deallocate() }

    /// The start address, valid as long as this object is alive.
    public var baseAddress: UnsafeRawPointer? { unsafe UnsafeRawPointer(bitPattern: address) }

    /// Runs `body` over the bytes without copying them.
    public func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try unsafe body(UnsafeRawBufferPointer(start: baseAddress, count: count))
    }

    public var array: [UInt8] { unsafe withBytes { unsafe Array($0) } }
}
