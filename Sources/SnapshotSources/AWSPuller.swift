import AuditModel
import AuditTime
import Foundation

/// Pulls every security profile of the chosen regions (and instances) straight from the
/// Amazon Connect API into the `aws` format: per region `ListInstances`; per instance
/// `ListSecurityProfiles`; per profile `DescribeSecurityProfile`,
/// `ListSecurityProfilePermissions` and `ListSecurityProfileApplications`, every
/// `NextToken` followed. One line per profile, `{"SecurityProfile": {...}, "Permissions":
/// [...], "Applications": [...]}`, sorted by ARN; written whole or not at all.
package struct AWSPuller {
    package var regions: [String]
    /// Only these instance ids (all active instances when empty).
    package var instances: Set<String> = []
    /// One URL for every region (tests, private endpoints); else each region's public one.
    package var endpointOverride: URL?
    package var credentials: RefreshingCredentials
    /// Profiles read at once.
    package var concurrency = 4
    /// Requests a second over all workers (0: no limit).
    package var requestsPerSecond: Double = 4
    package var backoff = Backoff()
    /// Reads the finished file as `ingest` will before it is written (nil: not checked).
    package var validate: PulledFileCheck?
    /// Every request's client: its total time per request and the command's deadline.
    package var http = HTTPClient(timeout: 60)
    /// Told of progress: profiles read so far, of how many.
    package var progress: @Sendable (Int, Int) -> Void = { _, _ in }

    package init(regions: [String], credentials: RefreshingCredentials) {
        self.regions = regions
        self.credentials = credentials
    }

    /// What a pull did.
    package struct Summary: Sendable {
        package var regions = 0
        package var instances = 0
        package var profiles = 0
        package var requests = 0
        package var retries = 0
        package var seconds = 0.0
        package var record: PulledFile.Record?
    }

    /// One profile to read.
    struct Task: Sendable {
        var client: ConnectClient
        var instance: String
        var profile: String
    }

    /// Pulls into `path` (atomically; on any error no file is written).
    package func pull(to path: String) throws -> Summary {
        let started = Instant.now
        let clock = Date()
        let file = try PulledFile(path: path)
        do {
            let limiter = RateLimiter(perSecond: requestsPerSecond)
            let counter = RequestCounter()
            var summary = Summary()
            var tasks: [Task] = []
            var found = Set<String>()
            for region in regions {
                guard let endpoint = endpointOverride ?? ConnectClient.endpoint(region: region) else {
                    throw PullError("\(region) is not a region name (e.g. eu-west-2)")
                }
                var client = ConnectClient(
                    region: region, endpoint: endpoint, credentials: credentials, limiter: limiter, backoff: backoff, counter: counter)
                client.http = http
                let listed = try client.all(["instance"], resultKey: "InstanceSummaryList", pageSize: 10)
                for case let instance as [String: Any] in listed {
                    guard let id = instance["Id"] as? String else { continue }
                    // Profiles of an instance still being created (or whose creation failed) cannot be read.
                    if let status = instance["InstanceStatus"] as? String, status != "ACTIVE" { continue }
                    if !instances.isEmpty && !instances.contains(id) { continue }
                    found.insert(id)
                    summary.instances += 1
                    let profiles = try client.all(["security-profiles-summary", id], resultKey: "SecurityProfileSummaryList", pageSize: 1000)
                    for case let profile as [String: Any] in profiles {
                        guard let profileID = profile["Id"] as? String else { throw PullError("a security profile summary in \(id) has no Id") }
                        tasks.append(Task(client: client, instance: id, profile: profileID))
                    }
                }
                summary.regions += 1
            }
            let missing = instances.subtracting(found)
            guard missing.isEmpty else {
                throw PullError("no active instance \(missing.sorted().joined(separator: ", ")) in \(regions.joined(separator: ", ")): check --instance and --region")
            }
            guard !tasks.isEmpty else {
                throw PullError("no security profiles in \(regions.joined(separator: ", ")): nothing was written (an empty snapshot would read as every profile deleted)")
            }
            let lines = try read(tasks)
            for line in lines { try file.write(line.bytes) }
            let totals = counter.totals
            summary.profiles = lines.count
            summary.requests = totals.requests
            summary.retries = totals.retries
            summary.seconds = Date().timeIntervalSince(clock)
            let endpoint = endpointOverride?.absoluteString ?? regions.map { "https://connect.\($0).amazonaws.com" }.joined(separator: ",")
            summary.record = try file.commit(source: "aws", startedAt: started, finishedAt: .now, rows: lines.count, endpoint: endpoint, validate: validate)
            return summary
        } catch {
            file.abandon()
            throw error
        }
    }

    /// One profile's line, and its ARN to sort by.
    struct Line: Sendable {
        var arn: String
        var bytes: [UInt8]
    }

    /// Reads every profile with `concurrency` workers; the lines sorted by ARN.
    func read(_ tasks: [Task]) throws -> [Line] {
        let work = Work(count: tasks.count)
        let group = DispatchGroup()
        let progress = self.progress
        for _ in 0..<max(1, min(concurrency, tasks.count)) {
            group.enter()
            let thread = Thread {
                defer { group.leave() }
                while let index = work.next() {
                    do {
                        progress(work.finish(try Self.line(tasks[index])), tasks.count)
                    } catch {
                        work.fail(error)
                    }
                }
            }
            thread.start()
        }
        group.wait()
        if let error = work.error { throw error }
        return work.lines.sorted { $0.arn < $1.arn }
    }

    /// Describe, permissions and applications of one profile, as one `aws` format line.
    static func line(_ task: Task) throws -> Line {
        let segments = [task.instance, task.profile]
        guard let body = try task.client.get(["security-profiles"] + segments)["SecurityProfile"] as? [String: Any] else {
            throw PullError("DescribeSecurityProfile of \(task.profile) in \(task.instance) has no SecurityProfile")
        }
        let permissions = try task.client.all(["security-profiles-permissions"] + segments, resultKey: "Permissions", pageSize: 1000)
        let applications = try task.client.all(["security-profiles-applications"] + segments, resultKey: "Applications", pageSize: 1000)
        let object: [String: Any] = ["SecurityProfile": body, "Permissions": permissions, "Applications": applications]
        return Line(arn: body["Arn"] as? String ?? "", bytes: Array((CanonicalJSON.text(object) + "\n").utf8))
    }

    /// The workers' shared queue and results.
    final class Work: @unchecked Sendable {
        private let lock = NSLock()
        private var cursor = 0
        private let count: Int
        private(set) var lines: [Line] = []
        private(set) var error: (any Error)?
        private var done = 0

        init(count: Int) { self.count = count }

        /// The next task's index; `nil` when all are taken or one failed.
        func next() -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard error == nil, cursor < count else { return nil }
            cursor += 1
            return cursor - 1
        }

        /// Keeps a line; how many are done.
        func finish(_ line: Line) -> Int {
            lock.lock()
            defer { lock.unlock() }
            lines.append(line)
            done += 1
            return done
        }

        func fail(_ failure: any Error) {
            lock.lock()
            if error == nil { error = failure }
            lock.unlock()
        }
    }
}
