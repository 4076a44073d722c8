import Foundation
import SunoExporterCore

/// The gateway-answer decoder on any bytes: a batch answer, a single task item (also the hook body) and
/// an error body. Properties: it never traps; an accepted answer is JSON that Foundation accepts too;
/// a batch holds each task id once; errors quote a bounded part of the body; error messages keep
/// their documented length.
enum GatewayDecoderFuzz {
    /// Longest error description the decoder may produce: the fixed text plus at most 48 quoted bytes
    /// (JSONScanner+Errors) or the gateway's code (40 bytes) and message (60 bytes), with room to spare.
    static let maxErrorDescriptionBytes = 400

    static func run(_ bytes: [UInt8]) {
        do {
            let items = try GatewayDecoder.decodeFetchAnswer(bytes)
            var seen = Set<String>()
            for item in items {
                FuzzCheck.require(seen.insert(item.taskID).inserted, "task id \(item.taskID) decoded twice")
            }
            requireFoundationAccepts(bytes, "decodeFetchAnswer")
        } catch {
            check(error)
        }

        do {
            _ = try GatewayDecoder.decodeTaskItem(bytes)
            requireFoundationAccepts(bytes, "decodeTaskItem")
        } catch {
            check(error)
        }

        if let message = GatewayDecoder.errorMessage(bytes) {
            FuzzCheck.require(
                message.count <= GatewayDecoder.errorMessageLimit,
                "errorMessage is \(message.count) characters, limit \(GatewayDecoder.errorMessageLimit)")
        }
    }

    static func check(_ error: GatewayDecodingError) {
        FuzzCheck.require(!error.description.isEmpty, "empty decoding error")
        FuzzCheck.require(
            error.description.utf8.count <= maxErrorDescriptionBytes,
            "decoding error of \(error.description.utf8.count) bytes: \(FuzzCheck.quoted(error.description))")
    }

    /// The decoder is a strict RFC 8259 reader: what it accepts, Foundation's parser accepts too, except
    /// numbers beyond Double's range, which Foundation refuses and the decoder only skips or rejects.
    static func requireFoundationAccepts(_ bytes: [UInt8], _ function: String) {
        if (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil { return }
        if hasOutOfRangeNumber(bytes) { return }
        FuzzCheck.fail(
            "\(function) accepted a body Foundation rejects: \(FuzzCheck.quoted(String(decoding: bytes, as: UTF8.self)))"
        )
    }

    /// True when a number literal outside strings overflows Double (e.g. `1e400`).
    static func hasOutOfRangeNumber(_ bytes: [UInt8]) -> Bool {
        var inString = false
        var escaped = false
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                index += 1
                continue
            }
            if byte == UInt8(ascii: "\"") {
                inString = true
                index += 1
                continue
            }
            let isNumberByte: (UInt8) -> Bool = {
                ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "-")
                    || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e")
                    || $0 == UInt8(ascii: "E")
            }
            if isNumberByte(byte) {
                var end = index
                while end < bytes.count, isNumberByte(bytes[end]) { end += 1 }
                let literal = String(decoding: bytes[index..<end], as: UTF8.self)
                if let value = Double(literal), !value.isFinite { return true }
                index = end
                continue
            }
            index += 1
        }
        return false
    }
}
