/// A minimal reader of the text exposition format for assertions: `name{labels}` → value.
/// (promtool and prometheus_client check the format itself; this only reads numbers back.)
package struct ExpositionSamples {
    package private(set) var values: [String: Double] = [:]
    package private(set) var samples: [(name: String, labels: [String: String], value: Double)] = []

    package init(_ text: String) {
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.isEmpty {
            guard let space = line.lastIndex(of: " ") else { continue }
            let key = String(line[..<space])
            let value = Double(line[line.index(after: space)...]) ?? .nan
            values[key] = value
            let name: String
            var labels: [String: String] = [:]
            if let brace = key.firstIndex(of: "{") {
                name = String(key[..<brace])
                let body = key[key.index(after: brace)..<key.index(before: key.endIndex)]
                for pair in Self.splitLabels(String(body)) {
                    labels[pair.0] = pair.1
                }
            } else {
                name = key
            }
            samples.append((name, labels, value))
        }
    }

    /// Sum of every sample of `name` whose labels include `matching`.
    package func sum(_ name: String, _ matching: [String: String] = [:]) -> Double {
        samples.filter { sample in
            sample.name == name && matching.allSatisfy { sample.labels[$0.key] == $0.value }
        }.reduce(0) { $0 + $1.value }
    }

    package func has(_ name: String) -> Bool { samples.contains { $0.name == name } }

    private static func splitLabels(_ body: String) -> [(String, String)] {
        var pairs: [(String, String)] = []
        var index = body.startIndex
        while index < body.endIndex {
            guard let equals = body[index...].firstIndex(of: "=") else { break }
            let name = String(body[index..<equals])
            var cursor = body.index(equals, offsetBy: 2)
            var value = ""
            while cursor < body.endIndex, body[cursor] != "\"" {
                if body[cursor] == "\\" {
                    cursor = body.index(after: cursor)
                    value.append(body[cursor] == "n" ? "\n" : body[cursor])
                } else {
                    value.append(body[cursor])
                }
                cursor = body.index(after: cursor)
            }
            pairs.append((name, value))
            index = body.index(after: cursor)
            if index < body.endIndex, body[index] == "," { index = body.index(after: index) }
        }
        return pairs
    }
}
