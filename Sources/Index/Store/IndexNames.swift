public import BoxBridgeProtocol

/// The kebab-case names the index stores and `boxbridge search` accepts for the protocol's enums.
public enum IndexNames {
    /// `--exposure` values, stored in `file_events.exposure`.
    public static let exposures = ["internal", "external", "public-link"]
    /// `--control-mode` values, stored in `file_events.control_mode`.
    public static let controlModes = ["enforced", "monitoring"]

    public static func exposure(_ value: Boxbridge_V1_Exposure) -> String? {
        switch value {
        case .internal: "internal"
        case .external: "external"
        case .public: "public-link"
        case .unspecified, .UNRECOGNIZED: nil
        }
    }

    public static func controlMode(_ value: Boxbridge_V1_ControlMode) -> String? {
        switch value {
        case .enforced: "enforced"
        case .monitoring: "monitoring"
        case .unspecified, .UNRECOGNIZED: nil
        }
    }

    public static func linkAccess(_ value: Boxbridge_V1_LinkAccess) -> String? {
        switch value {
        case .open: "open"
        case .company: "company"
        case .collaborators: "collaborators"
        case .unspecified, .UNRECOGNIZED: nil
        }
    }

    public static func enrichment(_ value: Boxbridge_V1_EnrichmentStatus) -> String? {
        switch value {
        case .notNeeded: "not-needed"
        case .complete: "complete"
        case .skippedBudget: "skipped-budget"
        case .failed: "failed"
        case .unspecified, .UNRECOGNIZED: nil
        }
    }
}
