import Foundation
import SunoExporterApp
import SunoExporterCore

/// The watch-list API's body parsers on any bytes: `POST /api/v1/tasks` (RegistrationBody), the hook
/// receiver (HookBody), and the CLI's import lines and `key=value` labels (TaskInput).
/// Properties: no trap; a refusal is 400 (not JSON) or 422 (JSON, wrong shape) as the API documents,
/// with a message; whatever is accepted passes the same validation the store relies on.
enum APIBodiesFuzz {
    static func run(_ bytes: [UInt8]) {
        // Which bodies are JSON is the core reader's call (strict RFC 8259: UTF-8 only, no trailing commas),
        // checked one way against Foundation's parser, which is more lenient (it guesses UTF-16 from NUL
        // bytes, skips a byte order mark and takes trailing commas): what the reader accepts, Foundation
        // must accept too.
        let isJSON = (try? JSONValue.parse(bytes)) != nil
        if isJSON {
            FuzzCheck.require(
                (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil,
                "the core's JSON reader accepted a body Foundation refuses")
        }

        do {
            let registrations = try RegistrationBody.parse(bytes)
            FuzzCheck.require(
                (1...RegistrationBody.maxIDs).contains(registrations.count),
                "registration accepted \(registrations.count) ids")
            for registration in registrations {
                do { _ = try TaskInput.validated(registration) } catch {
                    FuzzCheck.fail("registration accepted an invalid entry: \(error.description)")
                }
            }
        } catch {
            check(error, isJSON: isJSON, parser: "RegistrationBody")
        }

        do {
            let observation = try HookBody.parse(bytes)
            do { try TaskInput.validateID(observation.taskID) } catch {
                FuzzCheck.fail("hook accepted task id \(FuzzCheck.quoted(observation.taskID))")
            }
        } catch {
            check(error, isJSON: isJSON, parser: "HookBody")
        }

        let text = String(decoding: bytes, as: UTF8.self)
        for line in text.split(separator: "\n", omittingEmptySubsequences: true).prefix(8) {
            guard let registration = try? TaskInput.parseLine(String(line), defaultAction: .music, defaultModel: nil)
            else { continue }
            _ = try? TaskInput.validated(registration)
        }
        let pairs = text.split(separator: "\n").map(String.init)
        if let labels = try? TaskInput.labels(pairs) {
            FuzzCheck.require(labels.count <= pairs.count, "more labels than key=value pairs")
        }
    }

    static func check(_ error: APIError, isJSON: Bool, parser: String) {
        FuzzCheck.require(!error.message.isEmpty, "\(parser): refusal without a message")
        switch error.status {
        case 400:
            FuzzCheck.require(!isJSON, "\(parser): 400 for a JSON body (\(error.message))")
        case 422:
            FuzzCheck.require(isJSON, "\(parser): 422 for a body that is not JSON (\(error.message))")
        default:
            FuzzCheck.fail("\(parser): status \(error.status) for a bad body (\(error.message))")
        }
    }
}
