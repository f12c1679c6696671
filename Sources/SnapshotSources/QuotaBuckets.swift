import AuditTime
import Foundation
import Synchronization

/// The rate and burst of one API quota.
///
/// Amazon Connect's API quotas apply to each API separately, per AWS account and per
/// Region, not per instance (Amazon Connect API Reference, "Best practices for using Amazon
/// Connect APIs", "Throttling in Amazon Connect APIs"; the service quotas page
/// docs.aws.amazon.com/connect/latest/adminguide/amazon-connect-service-limits.html, "API
/// throttling quotas"). The documented default is a rate of 2 requests a second with a
/// burst of 5 for each API (the AWS SDKs' Amazon Connect client documentation: "For all
/// other operations, a RateLimit of 2 per second, and a BurstLimit of 5 per second").
/// Raise `perSecond` where an account's quotas were raised.
package struct RequestQuota: Sendable, Equatable {
    package var perSecond: Double
    package var burst: Double

    package init(perSecond: Double, burst: Double) {
        self.perSecond = perSecond
        self.burst = burst
    }

    /// Amazon Connect's default for each API, account and Region.
    package static let connectDefault = RequestQuota(perSecond: 2, burst: 5)
}

/// Token buckets, one per key (an account, a Region and an API for Amazon Connect),
/// created on first use: requests under one key wait for each other, never for another
/// key's. A throttling answer empties that bucket and slows it to 70% of its rate (as the
/// AWS SDKs' adaptive retry mode backs off by a factor of 0.7: botocore's
/// `retries/throttling.py`, `_BETA = 0.7`), down to a quarter of the quota; each success gives a tenth of
/// the quota back, up to the quota.
///
/// The buckets hold one token less than the quota's burst: the server's bucket then always
/// has a token of room for requests that the network delivers closer together than they
/// were sent.
package final class QuotaBuckets: Sendable {
    package let quota: RequestQuota
    private let buckets = Mutex<[String: Bucket]>([:])

    struct Bucket {
        var tokens: Double
        var rate: Double
        var updated: ContinuousClock.Instant
    }

    /// `quota.perSecond` 0: no limit.
    package init(quota: RequestQuota) {
        self.quota = quota
    }

    private var capacity: Double { max(1, quota.burst - 1) }

    /// Waits until `key` may send one request, and takes its token.
    package func acquire(_ key: String) {
        guard quota.perSecond > 0 else { return }
        let wait = buckets.withLock { buckets -> Double in
            let now = ContinuousClock.now
            var bucket = buckets[key] ?? Bucket(tokens: capacity, rate: quota.perSecond, updated: now)
            bucket.tokens = min(capacity, bucket.tokens + (now - bucket.updated).inSeconds * bucket.rate)
            bucket.updated = now
            bucket.tokens -= 1
            buckets[key] = bucket
            // A negative balance is a queue of reservations: this one's turn comes when it is repaid.
            return bucket.tokens >= 0 ? 0 : -bucket.tokens / bucket.rate
        }
        Backoff.sleep(wait)
    }

    /// The service throttled a request under `key`: that bucket slows down.
    package func throttled(_ key: String) {
        guard quota.perSecond > 0 else { return }
        buckets.withLock { buckets in
            guard var bucket = buckets[key] else { return }
            bucket.rate = max(quota.perSecond / 4, bucket.rate * 0.7)
            bucket.tokens = min(bucket.tokens, 0)
            buckets[key] = bucket
        }
    }

    /// A request under `key` succeeded: that bucket's rate recovers toward the quota.
    package func succeeded(_ key: String) {
        guard quota.perSecond > 0 else { return }
        buckets.withLock { buckets in
            guard var bucket = buckets[key], bucket.rate < quota.perSecond else { return }
            bucket.rate = min(quota.perSecond, bucket.rate + quota.perSecond / 10)
            buckets[key] = bucket
        }
    }

    /// The current rate of `key`'s bucket (the quota's before its first request).
    package func rate(_ key: String) -> Double {
        buckets.withLock { $0[key]?.rate ?? quota.perSecond }
    }
}
