import AuditModel
import AuditTime
import Foundation
import Synchronization

/// Pulls every security profile of the chosen accounts, regions (and instances) straight
/// from the Amazon Connect API into the `aws` format: per account and region
/// `ListInstances`; per instance `ListSecurityProfiles`; per profile
/// `DescribeSecurityProfile`, `ListSecurityProfilePermissions` and
/// `ListSecurityProfileApplications`, every `NextToken` followed. One line per profile,
/// `{"SecurityProfile": {...}, "Permissions": [...], "Applications": [...]}`, sorted by
/// ARN; written whole or not at all.
///
/// With `subject` `.users`, each instance's users instead: `SearchUsers` (`POST
/// /search-users`, 500 a page, the model's most), one line per user with the fields that
/// decide access under the API's names (`Arn`, `Id`, `Username`, `SecurityProfileIds`,
/// `RoutingProfileId`, `HierarchyGroupId`); the answer's personal data (`IdentityInfo`,
/// `PhoneConfig`, `DirectoryUserId`) is dropped before anything is written.
///
/// Accounts and regions are read in parallel, `concurrency` profiles at a time in each,
/// every request under its (account, region, API) quota (`QuotaBuckets`).
///
/// With several accounts (`--account`), an account whose role cannot be assumed or whose
/// profiles cannot all be read is left out whole and named (`Summary.unreadAccounts`, the
/// pull record): its instances are absent from the snapshot, so the ingest deletes nothing
/// of them. A pull of the credentials alone fails on any error, as does one whose every
/// account failed, or whose deadline passed.
package struct AWSPuller {
    package var regions: [String]
    /// Only these instance ids (all active instances when empty).
    package var instances: Set<String> = []
    /// What is read: security profiles, or users.
    package var subject = Subject.securityProfiles
    /// Where each region's requests go (`AWS_ENDPOINT_URL_CONNECT`, a profile's
    /// `endpoint_url`, else the public endpoint).
    package var endpoints = AWSEndpoints(environment: [:])
    /// One URL for every region (`--endpoint-url`): wins over `endpoints`.
    package var endpointOverride: URL?
    /// The identities read: the pull's own credentials, or a role in each account.
    package var accounts: [AccountSource]
    /// Profiles read at once in each account and region.
    package var concurrency = 4
    /// Each API's quota in each account and region (0 a second: no limit).
    package var quota = RequestQuota.connectDefault
    package var backoff = Backoff()
    /// Reads the finished file as `ingest` will before it is written (nil: not checked).
    package var validate: PulledFileCheck?
    /// Every request's client: its total time per request and the command's deadline.
    package var http = HTTPClient(timeout: 60)
    /// Told of progress: profiles read so far, of how many.
    package var progress: @Sendable (Int, Int) -> Void = { _, _ in }

    /// Reads the account(s) of `credentials` alone.
    package init(regions: [String], credentials: RefreshingCredentials) {
        self.regions = regions
        accounts = [AccountSource(account: RequestCounter.Scope.defaultAccount) { credentials }]
    }

    /// Reads each of `accounts` through its own identity.
    package init(regions: [String], accounts: [AccountSource]) {
        self.regions = regions
        self.accounts = accounts
    }

    /// What a pull reads.
    package enum Subject: String, Sendable {
        case securityProfiles = "profiles"
        case users
    }

    /// One account to read and how to get its credentials (assuming its role may fail:
    /// that is the account's failure, not the pull's).
    package struct AccountSource: Sendable {
        package var account: String
        package var credentials: @Sendable () throws -> RefreshingCredentials

        package init(account: String, credentials: @escaping @Sendable () throws -> RefreshingCredentials) {
            self.account = account
            self.credentials = credentials
        }

        /// `arn:<partition>:iam::<account>:role/<roleName>` assumed in each account with
        /// `base`'s credentials through `sts`, each refreshed before it expires.
        package static func assumingRole(
            _ roleName: String, in accounts: [String], partition: AWSPartition, base: RefreshingCredentials, sts: STSClient
        ) -> [AccountSource] {
            let session = AWSCredentialChain.sessionName()
            return accounts.map { account in
                let arn = "arn:\(partition.name):iam::\(account):role/\(roleName)"
                return AccountSource(account: account) {
                    try RefreshingCredentials { try sts.assumeRole(arn, options: .init(sessionName: session), with: base.credentials()) }
                }
            }
        }
    }

    /// An account left out of the pull, and why.
    package struct UnreadAccount: Codable, Equatable, Sendable {
        package var account: String
        package var reason: String

        package init(account: String, reason: String) {
            self.account = account
            self.reason = reason
        }
    }

    /// What a pull did.
    package struct Summary: Sendable {
        package var regions = 0
        package var instances = 0
        /// Profiles (or users) written, a line each.
        package var rows = 0
        package var subject = Subject.securityProfiles
        package var requests = 0
        package var retries = 0
        package var throttles = 0
        package var seconds = 0.0
        /// Requests, throttles and time of each account and region.
        package var scopes: [(scope: RequestCounter.Scope, tally: RequestCounter.Tally)] = []
        package var unreadAccounts: [UnreadAccount] = []
        package var record: PulledFile.Record?
    }

    /// One profile to read, or (`profile` nil) every user of an instance.
    struct Task: Sendable {
        var client: ConnectClient
        var instance: String
        var profile: String?
    }

    /// One account and region's listing: its instances and a task per profile (empty
    /// when the listing failed; the failure is in `Failures`).
    struct Listing: Sendable {
        var instancesFound: Set<String> = []
        var tasks: [Task] = []
    }

    /// Pulls into `path` (atomically; on any error no file is written).
    package func pull(to path: String) throws -> Summary {
        let started = Instant.now
        let clock = ContinuousClock.now
        let file = try PulledFile(path: path)
        do {
            let isolated = accounts.count > 1 || accounts.first?.account != RequestCounter.Scope.defaultAccount
            let accounts = self.accounts
            let instances = self.instances
            let counter = RequestCounter()
            let quotas = QuotaBuckets(quota: quota)
            let failures = Failures()

            // The accounts' credentials, each in parallel (a role that cannot be assumed
            // fails its account only).
            let resolved = Self.inParallel(accounts.count, threads: min(16, accounts.count)) { index -> RefreshingCredentials? in
                do {
                    return try accounts[index].credentials()
                } catch let error as PullError {
                    if !isolated || error.endsThePull { failures.endPull(error) } else { failures.fail(accounts[index].account, error.description) }
                    return nil
                } catch {
                    failures.endPull(PullError("\(error)"))
                    return nil
                }
            }
            if let fatal = failures.fatal { throw fatal }

            // Each readable account and region: its instances and profiles.
            var clients: [ConnectClient] = []
            for (source, credentials) in zip(accounts, resolved) {
                guard let credentials else { continue }
                for region in regions {
                    var client = ConnectClient(
                        account: source.account, region: region, endpoint: try endpointOverride ?? endpoints.url(.connect, region: region),
                        credentials: credentials, quotas: quotas, backoff: backoff, counter: counter)
                    client.http = http
                    clients.append(client)
                }
            }
            let listings = Self.inParallel(clients.count, threads: min(64, clients.count)) { [clients] index in
                do {
                    return try Self.list(clients[index], only: instances, subject: subject)
                } catch let error as PullError {
                    if !isolated || error.endsThePull { failures.endPull(error) } else { failures.fail(clients[index].account, error.description) }
                    return Listing()
                } catch {
                    failures.endPull(PullError("\(error)"))
                    return Listing()
                }
            }
            if let fatal = failures.fatal { throw fatal }

            // Every profile, the accounts and regions interleaved so that each one's workers
            // wait on its own quotas while the others' go on.
            let perScope = listings.map { $0.tasks }
            var tasks: [Task] = []
            for position in 0..<(perScope.map(\.count).max() ?? 0) {
                for scopeTasks in perScope where position < scopeTasks.count { tasks.append(scopeTasks[position]) }
            }
            let done = Mutex(0)
            let total = tasks.count
            let progress = self.progress
            let lines = Self.inParallel(total, threads: min(64, max(1, clients.count * concurrency))) { [tasks] index -> [Line]? in
                let task = tasks[index]
                guard failures.fatal == nil, !failures.hasFailed(task.client.account) else { return nil }
                do {
                    let line = try task.profile.map { [try Self.line(task, profile: $0)] } ?? Self.userLines(task)
                    progress(done.withLock { count in
                        count += 1
                        return count
                    }, total)
                    return line
                } catch let error as PullError {
                    if !isolated || error.endsThePull { failures.endPull(error) } else { failures.fail(task.client.account, error.description) }
                } catch {
                    failures.endPull(PullError("\(error)"))
                }
                return nil
            }
            if let fatal = failures.fatal { throw fatal }

            let unread = failures.unread
            let unreadSet = Set(unread.map(\.account))
            guard unreadSet.count < accounts.count else {
                throw PullError("no account could be read, so nothing was written: " + unread.map { "\($0.account): \($0.reason)" }.joined(separator: "; "))
            }
            var found = Set<String>()
            var summary = Summary()
            for (client, listing) in zip(clients, listings) where !unreadSet.contains(client.account) {
                found.formUnion(listing.instancesFound)
                summary.instances += listing.instancesFound.count
            }
            let missing = instances.subtracting(found)
            guard missing.isEmpty || !unread.isEmpty else {
                throw PullError("no active instance \(missing.sorted().joined(separator: ", ")) in \(regions.joined(separator: ", ")): check --instance and --region")
            }
            let kept = zip(tasks, lines).flatMap { task, lines in unreadSet.contains(task.client.account) ? [] : lines ?? [] }.sorted { $0.arn < $1.arn }
            guard !kept.isEmpty else {
                let what = subject == .users ? "users" : "security profiles"
                throw PullError("no \(what) in \(regions.joined(separator: ", ")): nothing was written (an empty snapshot would read as every one deleted)")
            }
            for line in kept { try file.write(line.bytes) }
            let totals = counter.totals
            summary.regions = regions.count
            summary.rows = kept.count
            summary.subject = subject
            summary.requests = totals.requests
            summary.retries = totals.retries
            summary.throttles = totals.throttles
            summary.scopes = counter.byScope.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
            summary.unreadAccounts = unread
            summary.seconds = (ContinuousClock.now - clock).inSeconds
            let endpoint = try endpointOverride?.absoluteString ?? regions.map { try endpoints.url(.connect, region: $0).absoluteString }.joined(separator: ",")
            summary.record = try file.commit(
                source: "aws", startedAt: started, finishedAt: .now, rows: kept.count, endpoint: endpoint,
                unreadAccounts: unread.isEmpty ? nil : unread, validate: validate)
            return summary
        } catch {
            file.abandon()
            throw error
        }
    }

    /// The active instances of `client`'s account and region, and a task per profile (per
    /// instance, for users).
    static func list(_ client: ConnectClient, only instances: Set<String>, subject: Subject) throws -> Listing {
        var listing = Listing()
        let listed = try client.all(.listInstances, ["instance"], resultKey: "InstanceSummaryList", pageSize: 10)
        for case let instance as [String: Any] in listed {
            guard let id = instance["Id"] as? String else { continue }
            // Profiles of an instance still being created (or whose creation failed) cannot be read.
            if let status = instance["InstanceStatus"] as? String, status != "ACTIVE" { continue }
            if !instances.isEmpty && !instances.contains(id) { continue }
            listing.instancesFound.insert(id)
            if subject == .users {
                listing.tasks.append(Task(client: client, instance: id, profile: nil))
                continue
            }
            let profiles = try client.all(.listSecurityProfiles, ["security-profiles-summary", id], resultKey: "SecurityProfileSummaryList", pageSize: 1000)
            for case let profile as [String: Any] in profiles {
                guard let profileID = profile["Id"] as? String else { throw PullError("a security profile summary in \(id) has no Id") }
                listing.tasks.append(Task(client: client, instance: id, profile: profileID))
            }
        }
        return listing
    }

    /// One profile's line, and its ARN to sort by.
    struct Line: Sendable {
        var arn: String
        var bytes: [UInt8]
    }

    /// Describe, permissions and applications of one profile, as one `aws` format line.
    static func line(_ task: Task, profile: String) throws -> Line {
        let segments = [task.instance, profile]
        guard let body = try task.client.get(.describeSecurityProfile, ["security-profiles"] + segments)["SecurityProfile"] as? [String: Any] else {
            throw PullError("DescribeSecurityProfile of \(profile) in \(task.instance) has no SecurityProfile")
        }
        let permissions = try task.client.all(
            .listSecurityProfilePermissions, ["security-profiles-permissions"] + segments, resultKey: "Permissions", pageSize: 1000)
        let applications = try task.client.all(
            .listSecurityProfileApplications, ["security-profiles-applications"] + segments, resultKey: "Applications", pageSize: 1000)
        let object: [String: Any] = ["SecurityProfile": body, "Permissions": permissions, "Applications": applications]
        return Line(arn: body["Arn"] as? String ?? "", bytes: Array((CanonicalJSON.text(object) + "\n").utf8))
    }

    /// The fields of a `UserSearchSummary` a line keeps: those that decide access.
    static let userFields = ["Arn", "HierarchyGroupId", "Id", "RoutingProfileId", "SecurityProfileIds", "Username"]

    /// Every user of the task's instance, a line each, through `SearchUsers` pages.
    static func userLines(_ task: Task) throws -> [Line] {
        var lines: [Line] = []
        var token: String?
        var seen = Set<String>()
        repeat {
            var body: [String: Any] = ["InstanceId": task.instance, "MaxResults": 500]
            if let token { body["NextToken"] = token }
            let page = try task.client.post(.searchUsers, ["search-users"], body: body)
            guard let users = page["Users"] as? [Any] else {
                throw PullError("SearchUsers of instance \(task.instance) answered without Users")
            }
            for case let user as [String: Any] in users {
                guard let arn = user["Arn"] as? String, !arn.isEmpty else {
                    throw PullError("a user of instance \(task.instance) has no Arn")
                }
                let kept = user.filter { userFields.contains($0.key) }
                lines.append(Line(arn: arn, bytes: Array((CanonicalJSON.text(kept) + "\n").utf8)))
            }
            token = (page["NextToken"] as? String).flatMap { $0.isEmpty ? nil : $0 }
            if let token, !seen.insert(token).inserted || seen.count > ConnectClient.maxPages {
                throw PullError("SearchUsers of instance \(task.instance) returned a NextToken twice or pages without end: stopping; nothing was written")
            }
        } while token != nil
        return lines
    }

    /// `body` over `0..<count` on `threads` threads (network waits, not cores), each index
    /// once; the results in index order.
    static func inParallel<Result: Sendable>(_ count: Int, threads: Int, _ body: @escaping @Sendable (Int) -> Result) -> [Result] {
        let cursor = Mutex(0)
        let results = Mutex([Result?](repeating: nil, count: count))
        let group = DispatchGroup()
        for _ in 0..<max(0, min(threads, count)) {
            group.enter()
            Thread {
                defer { group.leave() }
                while let index = cursor.withLock({ next -> Int? in
                    guard next < count else { return nil }
                    next += 1
                    return next - 1
                }) {
                    let result = body(index)
                    results.withLock { $0[index] = result }
                }
            }.start()
        }
        group.wait()
        return results.withLock { $0.map { $0! } }
    }

    /// The accounts that failed, and an error that ends the whole pull.
    final class Failures: Sendable {
        private let state = Mutex<(unread: [UnreadAccount], fatal: PullError?)>(([], nil))

        /// Leaves `account` out (its first reason kept).
        func fail(_ account: String, _ reason: String) {
            state.withLock { state in
                if !state.unread.contains(where: { $0.account == account }) { state.unread.append(UnreadAccount(account: account, reason: reason)) }
            }
        }

        func endPull(_ error: PullError) {
            state.withLock { state in if state.fatal == nil { state.fatal = error } }
        }

        func hasFailed(_ account: String) -> Bool { state.withLock { $0.unread.contains { $0.account == account } } }
        var fatal: PullError? { state.withLock { $0.fatal } }
        /// The accounts left out, by account.
        var unread: [UnreadAccount] { state.withLock { $0.unread.sorted { $0.account < $1.account } } }
    }
}
