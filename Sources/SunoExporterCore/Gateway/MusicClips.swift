/// What the exporter takes from a MUSIC task's clip array: the model and whether audio can be played.
/// Clips are Suno's feed objects passed through verbatim (COMETAPI.md §6), so everything else in them,
/// lyrics and metadata included, is skipped.
struct MusicClips: Equatable {
    /// `model_name` of the first clip that has a non-empty one.
    var modelName: String?
    /// True when any clip is `streaming` or `complete`.
    var hasStreamableClip = false

    /// Reads the clip array at the scanner's position.
    ///
    /// Unlike the task item, clip members are read leniently: a non-object clip or a `status` /
    /// `model_name` that is not a string is ignored. These objects come from Suno, not the gateway,
    /// and a new Suno field shape must not blind the exporter to the task's own status.
    static func read(_ scanner: inout JSONScanner) throws(GatewayDecodingError) -> MusicClips {
        var clips = MusicClips()
        var elements = try scanner.beginArray()
        while try scanner.nextElement(&elements) {
            guard try scanner.peekKind() == .object else {
                try scanner.skipValue()
                continue
            }
            var members = try scanner.beginObject()
            while let key = try scanner.nextKey(&members) {
                if scanner.token(key, is: "status"), try scanner.peekKind() == .string {
                    let status = try scanner.readString()
                    if scanner.token(status, is: "streaming") || scanner.token(status, is: "complete") {
                        clips.hasStreamableClip = true
                    }
                } else if clips.modelName == nil, scanner.token(key, is: "model_name"),
                    try scanner.peekKind() == .string
                {
                    let model = scanner.string(try scanner.readString())
                    if !model.isEmpty { clips.modelName = model }
                } else {
                    try scanner.skipValue()
                }
            }
        }
        return clips
    }
}
