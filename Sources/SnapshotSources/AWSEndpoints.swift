import Foundation

/// The AWS services a pull speaks to, named as the SDKs name them: the service id gives
/// `AWS_ENDPOINT_URL_<ID>` and the `[services]` key (botocore's service models:
/// `serviceId` STS, Connect, SSO; `endpointPrefix` sts, connect, portal.sso).
package enum AWSService: String, Sendable, CaseIterable {
    case connect, sts, sso

    /// `serviceId` upper-cased with spaces as `_`, as `AWS_ENDPOINT_URL_<ID>` spells it.
    var environmentID: String { rawValue.uppercased() }
    /// The host's first labels.
    var endpointPrefix: String { self == .sso ? "portal.sso" : rawValue }
}

/// An AWS partition, from the region's name (botocore's `endpoints.json`: each partition's
/// `regionRegex` and `dnsSuffix`); the partitions a Connect instance can live in.
package struct AWSPartition: Sendable, Equatable {
    /// `aws`, `aws-cn`, `aws-us-gov`: the ARN's second field.
    package var name: String
    package var dnsSuffix: String

    package static func of(region: String) -> AWSPartition {
        if region.hasPrefix("cn-") { return AWSPartition(name: "aws-cn", dnsSuffix: "amazonaws.com.cn") }
        if region.hasPrefix("us-gov-") { return AWSPartition(name: "aws-us-gov", dnsSuffix: "amazonaws.com") }
        return AWSPartition(name: "aws", dnsSuffix: "amazonaws.com")
    }
}

/// Where each service's requests go, as the AWS SDKs decide (botocore's
/// `ConfiguredEndpointProvider`, in its order): `AWS_ENDPOINT_URL_<SERVICE>`, then
/// `AWS_ENDPOINT_URL`, then the profile's `[services]` section's `<service>.endpoint_url`,
/// then the profile's `endpoint_url`; none of them when `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`
/// (or the profile's `ignore_configured_endpoint_urls`) is true. Otherwise the regional
/// public endpoint, `https://<prefix>.<region>.<dnsSuffix>` (STS regional, botocore's default
/// `sts_regional_endpoints = regional`; with no region at all, the global `sts.amazonaws.com`).
///
/// A configured endpoint must be https, or http to this machine: requests carry signatures
/// and session tokens.
package struct AWSEndpoints: Sendable {
    package var environment: [String: String]
    /// The profile's settings (`endpoint_url`, `services`, `ignore_configured_endpoint_urls`).
    package var profile: [String: String]
    /// The config file's `[services NAME]` sections.
    package var services: [String: [String: String]]

    package init(environment: [String: String], profile: [String: String] = [:], services: [String: [String: String]] = [:]) {
        self.environment = environment
        self.profile = profile
        self.services = services
    }

    /// The configured endpoint of `service`, if any, and where it was configured.
    package func configured(_ service: AWSService) throws -> (url: URL, origin: String)? {
        let ignore = (environment["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] ?? profile["ignore_configured_endpoint_urls"] ?? "").lowercased()
        guard ignore != "true" else { return nil }
        let servicesSection = profile["services"].flatMap { services[$0] }
        if let name = profile["services"], servicesSection == nil {
            throw PullError("the profile names services section \(name), which the config file does not have")
        }
        let candidates: [(String?, String)] = [
            (environment["AWS_ENDPOINT_URL_\(service.environmentID)"], "AWS_ENDPOINT_URL_\(service.environmentID)"),
            (environment["AWS_ENDPOINT_URL"], "AWS_ENDPOINT_URL"),
            (servicesSection?["\(service.rawValue).endpoint_url"], "the services section's \(service.rawValue).endpoint_url"),
            (profile["endpoint_url"], "the profile's endpoint_url"),
        ]
        for (value, origin) in candidates {
            guard let value, !value.isEmpty else { continue }
            return (try Self.checked(value, origin: origin), origin)
        }
        return nil
    }

    /// The endpoint of `service` in `region` (`nil` region: STS's global endpoint).
    package func url(_ service: AWSService, region: String?) throws -> URL {
        if let configured = try configured(service) { return configured.url }
        guard let region, !region.isEmpty else {
            guard service == .sts, let global = URL(string: "https://sts.amazonaws.com") else {
                throw PullError("no region for \(service.rawValue): set AWS_REGION or the profile's region")
            }
            return global
        }
        guard region.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }),
              let url = URL(string: "https://\(service.endpointPrefix).\(region).\(AWSPartition.of(region: region).dnsSuffix)")
        else { throw PullError("\(region) is not a region name (e.g. eu-west-2)") }
        return url
    }

    /// A configured URL, refused unless https or http to this machine.
    static func checked(_ text: String, origin: String) throws -> URL {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, url.user == nil, url.password == nil else {
            throw PullError("\(origin) is not a URL such as https://host")
        }
        let loopback = ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host)
        guard scheme == "https" || (scheme == "http" && loopback) else {
            throw PullError("\(origin) must use https (plain http only to 127.0.0.1 or localhost): signatures and session tokens must not cross the network in clear")
        }
        return url
    }
}
