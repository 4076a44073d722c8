/// What a submit asked for: the fields of `POST /suno/submit/{music,lyrics}` the simulator uses.
struct SubmitRequest: Sendable {
    var action: SimulatedAction
    /// `mv` for MUSIC (nil or empty means the gateway default `chirp-v3-0`); for LYRICS the model
    /// the caller attributes the task to, if any.
    var model: String?
    /// Custom-mode lyrics (MUSIC) or the lyrics prompt (LYRICS).
    var prompt: String?
    /// Inspiration-mode description (MUSIC).
    var gptDescriptionPrompt: String?
    var tags: String?
    var title: String?
    var makeInstrumental: Bool = false
    var notifyHook: String = ""

    /// new-api's default when `mv` is empty.
    static let defaultMusicModel = "chirp-v3-0"

    /// The model the task is attributed to (every clip's `model_name` for MUSIC).
    var resolvedModel: String? {
        switch action {
        case .music: (model?.isEmpty ?? true) ? Self.defaultMusicModel : model
        case .lyrics: (model?.isEmpty ?? true) ? nil : model
        }
    }
}
