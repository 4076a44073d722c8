/// Made-up titles, tags, lyrics and error texts the fake gateway fills its answers with.
enum SampleContent {
    static let titles = [
        "Neon Rain", "Paper Boat", "Electric Night", "Harbor Lights", "Quiet Orbit", "Salt & Honey",
        "Northbound", "Glass Garden", "Last Tram Home", "Copper Sky",
    ]

    static let tags = [
        "synthwave, dreamy, female vocal", "indie folk, acoustic", "club banger high-energy edm",
        "lofi hip hop, mellow", "cinematic orchestral, epic", "jazz trio, late night", "pop punk, fast",
        "ambient piano, calm",
    ]

    static let lyrics = [
        "[Verse]\nNeon rain on the window glass\nCity lights that never pass\n\n[Chorus]\nHold on, hold on to the night",
        "[Verse]\nMorning tide and a paper boat\nCarry the words I never wrote\n\n[Chorus]\nSail on, sail on",
        "[Verse]\nCopper sky above the yard\nEvery street light burning hard\n\n[Chorus]\nWe're northbound now",
        "[Intro]\n\n[Verse]\nLast tram home, the driver hums\nCounting stops until morning comes\n\n[Outro]",
    ]

    /// Prompts the demo workload submits.
    static let prompts = [
        "an energetic edm track about dancing all night", "a calm piano piece for studying",
        "a melancholic folk song about leaving home", "an upbeat pop song about summer", "a lofi beat for coding",
        "an epic orchestral theme for a space battle",
    ]

    /// Error texts of a clip that failed while generating (error_type, message).
    static let generationErrors: [(type: String, message: String)] = [
        ("generation_error", "Unable to generate audio for this request."),
        ("generation_error", "Audio generation failed. Please try again."),
        ("generation_error", "Sorry, something went wrong while creating this song."),
    ]

    /// Error texts of a clip refused by moderation right after submit (error_type, message).
    static let moderationErrors: [(type: String, message: String)] = [
        ("moderation_failure", "Your lyrics contain content that violates our Terms of Service."),
        ("moderation_failure", "Song description flagged by content moderation."),
        ("moderation_failure", "Prompts may not mention specific artists."),
    ]

    /// `fail_reason` texts of tasks the gateway froze (a reason written while the status stayed non-terminal).
    static let frozenReasons = [
        "upstream task error: feed returned no clips",
        "Song generation interrupted.",
        "获取渠道信息失败，请联系管理员，渠道ID：3",
    ]

    /// `major_model_version` reported with each `model_name`; unknown models report "".
    static func majorVersion(of model: String) -> String {
        switch model {
        case "chirp-v3-0", "chirp-v3": "v3"
        case "chirp-v3-5", "chirp-v3-5-tau": "v3.5"
        case "chirp-v4", "chirp-v4-tau", "chirp-v4-upload": "v4"
        case "chirp-auk", "chirp-auk-upload": "v4.5"
        case "chirp-bluejay": "v4.5+"
        case "chirp-crow": "v5"
        case "chirp-fenix": "v5.5"
        default: ""
        }
    }
}
