import Foundation

/// The AWS shared config and credentials files, merged as botocore merges them
/// (`botocore/configloader.py` and `Session.full_config`): `[profile NAME]` and `[default]`
/// of the config file are profiles, `[sso-session NAME]` and `[services NAME]` are their own
/// kinds; every `[NAME]` of the credentials file is a profile whose keys win over the config
/// file's. Files come from `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/`.
package struct AWSConfigFiles: Sendable {
    /// Each profile's settings (nested settings as `parent.child`).
    package var profiles: [String: [String: String]] = [:]
    /// Each `[sso-session NAME]`'s settings.
    package var ssoSessions: [String: [String: String]] = [:]
    /// Each `[services NAME]`'s settings (`sts.endpoint_url`, ...).
    package var services: [String: [String: String]] = [:]
    /// Which file each profile's static keys came from, for messages.
    package var credentialsFile: String
    package var configFile: String
    /// The credentials file's own sections (static keys are read from there before
    /// `credential_process`, and from the config file after it, as botocore orders them).
    package var credentialsFileProfiles: [String: [String: String]] = [:]
    package var configFileProfiles: [String: [String: String]] = [:]

    /// Reads both files (either may be missing).
    package init(environment: [String: String]) throws {
        let home = environment["HOME"] ?? NSHomeDirectory()
        credentialsFile = environment["AWS_SHARED_CREDENTIALS_FILE"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.aws/credentials"
        configFile = environment["AWS_CONFIG_FILE"].flatMap { $0.isEmpty ? nil : $0 } ?? home + "/.aws/config"
        for (name, settings) in try INIFile.read(configFile) ?? [:] {
            let words = name.split(separator: " ", maxSplits: 1).map(String.init)
            switch (words.first, words.count) {
            case ("profile", 2): configFileProfiles[words[1]] = settings
            case ("sso-session", 2): ssoSessions[words[1]] = settings
            case ("services", 2): services[words[1]] = settings
            case (_, 1) where name == "default": configFileProfiles["default", default: [:]].merge(settings) { old, _ in old }
            default: continue  // botocore ignores other sections of the config file
            }
        }
        credentialsFileProfiles = try INIFile.read(credentialsFile) ?? [:]
        profiles = configFileProfiles
        for (name, settings) in credentialsFileProfiles { profiles[name, default: [:]].merge(settings) { _, new in new } }
    }

    /// One setting of a profile, `nil` when absent or empty.
    package func setting(_ key: String, of profile: String) -> String? {
        guard let value = profiles[profile]?[key], !value.isEmpty else { return nil }
        return value
    }
}

/// The AWS shared files' INI form: `[section]`, `key = value`, `#` and `;` comments. An
/// indented `key = value` under a key without a value is a nested setting (botocore's
/// `s3 =` / `sts =` blocks), kept as `parent.child`.
enum INIFile {
    /// Sections by name, or `nil` when the file does not exist.
    static func read(_ path: String) throws -> [String: [String: String]]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw PullError("cannot read \(path) as UTF-8 text") }
        return parse(text)
    }

    static func parse(_ text: String) -> [String: [String: String]] {
        var sections: [String: [String: String]] = [:]
        var current: String?
        var parent: String?
        for rawLine in text.split(whereSeparator: \.isNewline) {
            guard let first = rawLine.first else { continue }
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            let indented = first == " " || first == "\t"
            if !indented, line.hasPrefix("["), line.hasSuffix("]") {
                let name = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                current = name
                parent = nil
                sections[name, default: [:]] = sections[name] ?? [:]
                continue
            }
            guard let current, let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if indented {
                if let parent { sections[current, default: [:]]["\(parent).\(key)"] = value }
                continue
            }
            parent = value.isEmpty ? key : nil
            sections[current, default: [:]][key] = value
        }
        return sections
    }
}
