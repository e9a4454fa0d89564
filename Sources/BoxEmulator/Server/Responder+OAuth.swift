import Hummingbird

extension EmulatorResponder {
    /// `POST /oauth2/token`: client credentials grant and JWT bearer (API-NOTES §1).
    func token(form: String, requestID: String) async -> Response {
        let fields = QueryItems(form)
        let config = core.configuration
        let e = core.enterprise
        let now = config.clock.now
        let subjectType: String
        let userID: String
        switch fields["grant_type"] {
        case "client_credentials":
            guard fields["client_id"] == config.clientID, fields["client_secret"] == config.clientSecret else {
                return BoxResponses.oauthError("invalid_grant", "Grant credentials are invalid", requestID: requestID)
            }
            guard let type = fields["box_subject_type"], let id = fields["box_subject_id"] else {
                return BoxResponses.oauthError("invalid_request", "box_subject_type and box_subject_id are required", requestID: requestID)
            }
            switch type {
            case "enterprise":
                guard id == config.enterpriseID else {
                    return BoxResponses.oauthError("invalid_grant", "Grant credentials are invalid", requestID: requestID)
                }
                userID = e.serviceAccount.id
            case "user":
                guard let u = e.usersByID[id], u < e.managedCount, e.users[u].isActive else {
                    return BoxResponses.oauthError("invalid_grant", "Grant credentials are invalid", requestID: requestID)
                }
                userID = id
            default:
                return BoxResponses.oauthError("invalid_grant", "Grant credentials are invalid", requestID: requestID)
            }
            subjectType = type
        case "urn:ietf:params:oauth:grant-type:jwt-bearer":
            guard fields["client_id"] == config.clientID, fields["client_secret"] == config.clientSecret else {
                return BoxResponses.oauthError("invalid_client", "The client credentials are not valid", requestID: requestID)
            }
            guard let assertion = fields["assertion"], let verifier = core.verifier.withLock({ $0 }) else {
                return BoxResponses.oauthError("invalid_grant", "JWT authentication is not configured or no assertion was sent",
                                               requestID: requestID)
            }
            let claims: JWTAssertionVerifier.Claims
            do {
                claims = try await verifier.verify(assertion, now: now)
            } catch {
                return BoxResponses.oauthError(error.error, error.description, requestID: requestID)
            }
            guard core.tokens.withLock({ $0.useJTI(claims.jti ?? "", expiresAt: claims.exp ?? now, now: now) }) else {
                return BoxResponses.oauthError("invalid_grant", "Please check the 'jti' claim. A unique 'jti' value is required.",
                                               requestID: requestID)
            }
            if claims.box_sub_type == "enterprise" {
                guard claims.sub == config.enterpriseID else {
                    return BoxResponses.oauthError("invalid_grant", "Please check the 'sub' claim: unknown enterprise", requestID: requestID)
                }
                userID = e.serviceAccount.id
            } else {
                guard let sub = claims.sub, let u = e.usersByID[sub], u < e.managedCount, e.users[u].isActive else {
                    return BoxResponses.oauthError("invalid_grant", "Please check the 'sub' claim: unknown user", requestID: requestID)
                }
                userID = sub
            }
            subjectType = claims.box_sub_type ?? "enterprise"
        default:
            return BoxResponses.oauthError("unsupported_grant_type", "Grant type '\(fields["grant_type"] ?? "")' is not supported",
                                           requestID: requestID)
        }
        let lifetime = config.tokenLifetime
        let token = core.tokens.withLock { $0.issue(subjectType: subjectType, userID: userID, lifetime: lifetime, now: now) }
        return BoxResponses.json(JSONValue.object([
            ("access_token", .string(token)), ("expires_in", .int(Int64(lifetime))), ("restricted_to", .array([])),
            ("token_type", "bearer"),
        ]), requestID: requestID)
    }
}
