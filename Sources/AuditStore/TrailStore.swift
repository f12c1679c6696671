import AuditCore
import AuditModel
import AuditTime
import PostgresClient
import SnapshotReading

/// CloudTrail records in `trail_events`, and the attributions the `change_attribution`
/// view derives from them.
package struct TrailStore {
    private let connection: PostgresConnection

    package init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Stores `events` in one transaction, one row per `eventID`: a record already stored
    /// changes nothing. Returns how many were new.
    /// - Throws: `StoreError.conflictingTrailRecord` when an `eventID` is stored with other
    ///   content (nothing is stored then): CloudTrail never reuses one, so one is forged.
    package func ingest(_ events: [TrailEvent]) throws -> Int {
        try connection.withTransaction { connection in
            var inserted = 0
            for event in events {
                let added = try connection.execute("""
                    INSERT INTO connect_audit.trail_events
                        (event_id, event_time, event_name, aws_region, account_id, instance_id, security_profile_id,
                         principal_arn, principal_type, session_issuer_arn, source_ip, user_agent, error_code, record, user_id)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb, $15)
                    ON CONFLICT (event_id) DO NOTHING
                    """, [
                        event.eventID, event.eventTime, event.eventName, event.region, event.accountID, event.instanceID,
                        event.securityProfileID, event.principalARN, event.principalType, event.sessionIssuerARN,
                        event.sourceIP, event.userAgent, event.errorCode, event.record, event.userID,
                    ]).affectedRows
                inserted += added
                if added == 0 {
                    let same = try connection.query(
                        "SELECT record = $2::jsonb FROM connect_audit.trail_events WHERE event_id = $1", [event.eventID, event.record])
                    if try same.first?.decode(Bool.self, at: 0) == false {
                        throw StoreError.conflictingTrailRecord(eventID: event.eventID, file: event.file, line: event.line)
                    }
                }
            }
            return inserted
        }
    }

    /// The attributions of the events with these ids.
    /// Without any CloudTrail record stored there is nothing to look up: the ids are not
    /// sent, so a report without CloudTrail does not pay for the lookup.
    package func attributions(of eventIDs: [Int64]) throws -> [Int64: [Attribution]] {
        guard !eventIDs.isEmpty,
              try connection.query("SELECT EXISTS (SELECT 1 FROM connect_audit.trail_events)")[0].decode(Bool.self, at: 0)
        else { return [:] }
        var out: [Int64: [Attribution]] = [:]
        for row in try connection.query("""
            SELECT event_id, principal_arn, principal_type, session_issuer_arn, event_name, event_time, source_ip, user_agent, confidence
            FROM connect_audit.change_attribution WHERE event_id = ANY ($1::bigint[])
            ORDER BY event_id, event_time, trail_event_id
            """, [eventIDs.map(String.init)]) {
            guard let confidence = Attribution.Confidence(rawValue: try row.decode(String.self, at: 8)) else {
                throw StoreError.schemaNewer("change_attribution gave an unknown confidence")
            }
            out[try row.decode(Int64.self, at: 0), default: []].append(Attribution(
                principalARN: try row.decodeIfPresent(String.self, at: 1), principalType: try row.decodeIfPresent(String.self, at: 2),
                sessionIssuerARN: try row.decodeIfPresent(String.self, at: 3), eventName: try row.decode(String.self, at: 4),
                eventTime: try row.decode(Instant.self, at: 5), sourceIP: try row.decodeIfPresent(String.self, at: 6),
                userAgent: try row.decodeIfPresent(String.self, at: 7), confidence: confidence))
        }
        return out
    }

    /// `items` with their attributions filled in.
    package func attributed(_ items: [ReportItem]) throws -> [ReportItem] {
        let found = try attributions(of: items.compactMap(\.eventID))
        guard !found.isEmpty else { return items }
        return items.map { item in
            var item = item
            if let id = item.eventID { item.attributions = found[id] ?? [] }
            return item
        }
    }
}
