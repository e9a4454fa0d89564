/// Box events for the normalizer tests, built from the shapes in API-NOTES §2–§3.
enum Fixtures {
    static let aaron = #"{"type":"user","id":"11446498","name":"Aaron Levie","login":"ceo@example.com"}"#
    static let anonymous = #"{"type":"user","id":"2","name":"Unknown User","login":""}"#
    static let serviceAccount = #"{"type":"user","id":"3000001","name":"Boxbridge","login":"AutomationUser_1_abc@boxdevedition.com"}"#
    static let ownerMia = #"{"type":"user","id":"22","name":"Mia Chen","login":"mia@eu.example.com"}"#

    /// A full event envelope around a source and additional_details.
    static func event(
        id: String = "1a4ade16-b1ff-4cc3-89a8-955e1522557c",
        type: String,
        createdAt: String = "2024-05-01T09:41:31-07:00",
        createdBy: String = aaron,
        ip: String = "10.1.2.3",
        source: String = "null",
        details: String = "null",
        extra: String = ""
    ) -> String {
        """
        {"type":"event","event_id":"\(id)","event_type":"\(type)",\
        "created_at":"\(createdAt)","recorded_at":"2024-05-01T09:41:32-07:00","session_id":null,\
        "ip_address":"\(ip)","action_by":null,"created_by":\(createdBy),\
        "source":\(source),"additional_details":\(details)\(extra)}
        """
    }

    /// An enterprise item source (EventSource).
    static func itemSource(
        type: String = "file", id: String = "\"8903212345\"", name: String = "example.docx",
        parent: String = #"{"type":"folder","name":"Contracts","id":"12345"}"#, owner: String = aaron,
        classification: String? = nil
    ) -> String {
        var text = #"{"item_type":"\#(type)","item_id":\#(id),"item_name":"\#(name)","parent":\#(parent),"owned_by":\#(owner)"#
        if let classification { text += #","classification":{"name":"\#(classification)"}"# }
        return text + "}"
    }

    /// The API-NOTES UPLOAD example, verbatim.
    static let uploadExample = #"""
    {"type":"event","event_id":"1a4ade16-b1ff-4cc3-89a8-955e1522557c","event_type":"UPLOAD",
     "created_at":"2024-05-01T09:41:31-07:00","recorded_at":"2024-05-01T09:41:32-07:00","session_id":null,
     "ip_address":"10.1.2.3","action_by":null,
     "created_by":{"type":"user","id":"11446498","name":"Aaron Levie","login":"ceo@example.com"},
     "source":{"item_type":"file","item_id":"8903212345","item_name":"example.docx",
       "parent":{"type":"folder","name":"Contracts","id":"12345"},
       "owned_by":{"type":"user","id":"11446498","name":"Aaron Levie","login":"ceo@example.com"}},
     "additional_details":{"size":14212335,"version_id":"111111111111","service_id":"5555","service_name":"Box Sync for Mac"}}
    """#

    /// The API-NOTES COLLABORATION_INVITE example, verbatim.
    static let collaborationInviteExample = #"""
    {"type":"event","event_id":"85c57bf3-bc15-4d24-93bc-955c796217c8","event_type":"COLLABORATION_INVITE",
     "created_at":"2018-03-16T15:12:52-07:00","session_id":null,"ip_address":"Unknown IP","action_by":null,
     "created_by":{"type":"user","id":"11111","name":"Test User","login":"test@user.com"},
     "source":{"folder_id":"47846340014","folder_name":"SharedWithServiceAccount","user_id":"182069272","user_name":"Matt Willer",
       "parent":{"type":"folder","name":"All Files","id":"0"},
       "owned_by":{"type":"user","id":"11111","name":"Test User","login":"test@user.com"}},
     "additional_details":{"type":"box://event/additional_details/collaboration","collab_id":"123456","is_performed_by_admin":false}}
    """#

    /// The Box docs' SHIELD_ALERT envelope with a shield_alert payload in the documented keys.
    static let shieldAlert = #"""
    {"source":null,"created_by":{"type":"user","id":"2","name":"Unknown User","login":""},"action_by":null,
     "created_at":"2019-12-20T11:38:56-08:00","event_id":"97f1b31f-f143-4777-81f8-1b557b39ca33",
     "event_type":"SHIELD_ALERT","ip_address":"10.1.2.3","type":"event","session_id":null,
     "additional_details":{"shield_alert":{"rule_category":"Suspicious Locations","rule_id":123,
       "rule_name":"Suspicious Location rule","risk_score":60,
       "alert_summary":{"description":"Access from an unusual location","access_details":[{"ip":"1.2.3.4"}]},
       "alert_id":456789,"priority":"medium",
       "user":{"id":987654,"name":"Some Name","email":"somename@box.com"},
       "link":"https://app.box.com/master/shield/alert/456789","created_at":"2019-12-20T11:38:16-08:00"}}}
    """#

    /// Wraps a verbatim spec payload (`"additional_details": {...}`) in an event envelope.
    static func shieldEvent(type: String, payload: String, createdBy: String = aaron) -> String {
        """
        {"type":"event","event_id":"shield-\(type.lowercased())","event_type":"\(type)",\
        "created_at":"2022-02-22T10:35:08-08:00","session_id":null,"ip_address":"10.1.2.3",\
        "created_by":\(createdBy),"source":null,
        \(payload)}
        """
    }
}
