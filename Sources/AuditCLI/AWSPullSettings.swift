import Foundation
import SnapshotSources

/// What `pull aws` and the nightly job's `aws` source read, and how: one set of settings
/// from the command line or the config file, turned into an `AWSPuller` in one place.
struct AWSPullSettings {
    var regions: [String]
    var instances: [String] = []
    /// One Connect endpoint for every region (tests, private endpoints).
    var endpointURL: String?
    /// The shared files' profile the pull runs as.
    var profile: String?
    /// Accounts to read by assuming `roleName` in each (empty: the credentials' own account).
    var accounts: [String] = []
    var roleName: String?
    var concurrency = 4
    var quota = RequestQuota.connectDefault
    /// Security profiles, or (`pull aws --users`, the nightly job's users) users.
    var subject = AWSPuller.Subject.securityProfiles

    /// The settings' problems, as one message (the option or key names are the caller's).
    func problem(accountsName: String, roleName roleNameName: String) -> String? {
        if !accounts.isEmpty, roleName == nil { return "\(accountsName) needs \(roleNameName): the role to assume in each account" }
        if accounts.isEmpty, roleName != nil { return "\(roleNameName) needs \(accountsName): the accounts to assume it in" }
        if let bad = accounts.first(where: { $0.count != 12 || !$0.allSatisfy(\.isASCIIDigit) }) {
            return "\(bad) is not an AWS account id (12 digits)"
        }
        if Set(accounts).count != accounts.count { return "an account is named twice in \(accountsName)" }
        if let roleName, roleName.isEmpty || roleName.contains(where: { !($0.isLetter || $0.isNumber || "+=,.@_-/".contains($0)) }) {
            return "\(roleNameName) \(roleName) is not an IAM role name"
        }
        if !(1...32).contains(concurrency) { return "concurrency must be from 1 to 32" }
        if !(quota.perSecond.isFinite && quota.perSecond >= 0 && quota.perSecond <= 1000) { return "the rate per API must be from 0 (no limit) to 1000" }
        if !(quota.burst.isFinite && quota.burst >= 1 && quota.burst <= 1000) { return "the burst per API must be from 1 to 1000" }
        return nil
    }

    /// The puller: the base credentials resolved now (as the AWS SDKs do), and with
    /// `accounts`, a role assumed in each when the pull reaches it.
    func puller(environment: [String: String], retryBase: Double, http: HTTPClient) throws -> AWSPuller {
        let chain = AWSCredentialChain(environment: environment, profile: profile, fallbackRegion: regions.first)
        let base = try RefreshingCredentials(chain: chain)
        let files = try AWSConfigFiles(environment: environment)
        let profileSettings = files.profiles[chain.profileName] ?? [:]
        var puller: AWSPuller
        if let roleName, !accounts.isEmpty {
            let partition = AWSPartition.of(region: regions.first ?? "")
            puller = AWSPuller(
                regions: regions,
                accounts: AWSPuller.AccountSource.assumingRole(roleName, in: accounts, partition: partition, base: base, sts: try chain.stsClient()))
        } else {
            puller = AWSPuller(regions: regions, credentials: base)
        }
        puller.instances = Set(instances)
        puller.endpoints = AWSEndpoints(environment: environment, profile: profileSettings, services: files.services)
        puller.endpointOverride = try endpointURL.map { try PullEndpoint.url($0, name: "the Connect endpoint URL") }
        puller.concurrency = concurrency
        puller.quota = quota
        puller.backoff.base = retryBase
        puller.http = http
        puller.subject = subject
        puller.validate = subject == .users ? PullEndpoint.userIngestCheck : PullEndpoint.ingestCheck(.aws)
        return puller
    }

    /// The pull's summary: one line, then one per account and region, then each account
    /// left out.
    static func summaryLines(_ summary: AWSPuller.Summary, out: String) -> [String] {
        var lines = [
            "pulled \(summary.rows) \(summary.subject.rawValue) of \(summary.instances) instance(s) in \(summary.regions) region(s) into \(out): "
                + "\(summary.requests) requests (\(summary.retries) retried, \(summary.throttles) throttled) in "
                + "\(String(format: "%.1f", summary.seconds)) s; captured_at \(summary.record?.startedAt ?? "-")"
        ]
        for (scope, tally) in summary.scopes {
            lines.append("  account \(scope.account) \(scope.region): \(tally.requests) calls, \(tally.throttles) throttled, \(String(format: "%.1f", tally.seconds)) s")
        }
        for unread in summary.unreadAccounts {
            lines.append("  account \(unread.account) NOT READ: \(unread.reason); its instances are absent from the snapshot, so nothing of them will be deleted")
        }
        return lines
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
