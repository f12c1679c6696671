import Foundation
import Yams

/// A configuration file that cannot be used: where and why.
package struct ConfigFileError: Error, Sendable, CustomStringConvertible {
    package var file: String
    package var line: Int
    package var message: String
    package var description: String { "\(file):\(line): \(message)" }

    package init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }
}

/// Reading the YAML configuration files (alert rules, drift policy) with Yams: the text,
/// its node tree within a size budget, and errors with their line.
enum YAMLFile {
    /// The text of a file, or an error that names it.
    static func contents(of path: String, what: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("cannot read the \(what) \(path); check the path")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// The most values (scalars, lists, mappings) a configuration file may expand to,
    /// aliases counted at every use: a 269 KB file aliasing one anchor 2,000 times once
    /// took 554 MB.
    static let maxValues = 100_000

    /// The document's root node (`nil` for an empty document).
    /// - Throws: `ConfigFileError` for invalid YAML (with its line) or a document that
    ///   expands past `maxValues`.
    static func compose(_ text: String, file: String) throws(ConfigFileError) -> Node? {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigFileError(file: file, line: line(of: error), message: "invalid YAML: \(problem(of: error))")
        } catch {
            throw ConfigFileError(file: file, line: 1, message: "invalid YAML: \(error)")
        }
        guard let root else { return nil }
        var budget = maxValues
        guard fits(root, budget: &budget) else {
            throw ConfigFileError(
                file: file, line: 1,
                message: "the file expands to more than \(maxValues) values (through YAML aliases?); a configuration file is far smaller")
        }
        return root
    }

    /// Whether `node` holds at most `budget` values; stops counting as soon as it is over,
    /// so an alias bomb costs no more than the budget to detect (Yams shares an aliased
    /// node's storage, the walk would not).
    static func fits(_ node: Node, budget: inout Int) -> Bool {
        budget -= 1
        guard budget >= 0 else { return false }
        switch node {
        case .scalar, .alias: return true
        case .sequence(let sequence): return sequence.allSatisfy { fits($0, budget: &budget) }
        case .mapping(let mapping): return mapping.allSatisfy { fits($0.key, budget: &budget) && fits($0.value, budget: &budget) }
        }
    }

    private static func line(of error: YamlError) -> Int {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return 1
        }
    }

    private static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): return problem
        default: return "\(error)"
        }
    }
}

/// Reads typed values out of Yams nodes, with the line of each problem (each file's own
/// values are extensions: `AlertRulesFile`, `PolicyFile`).
struct NodeReader {
    let file: String

    func error(_ node: Node, _ message: String) -> ConfigFileError {
        ConfigFileError(file: file, line: node.mark?.line ?? 1, message: message)
    }

    func allowOnly(_ keys: Set<String>, in mapping: Node.Mapping, what: String) throws(ConfigFileError) {
        for key in mapping.keys where !keys.contains(key.string ?? "") {
            throw error(key, "unknown key \(key.string ?? "?") in \(what); expected one of \(keys.sorted().joined(separator: ", "))")
        }
    }

    func string(_ node: Node?, _ what: String, in parent: Node) throws(ConfigFileError) -> String {
        guard let node else { throw error(parent, "\(what) is missing") }
        guard case .scalar = node, let text = node.string, !text.isEmpty else { throw error(node, "\(what) must be text") }
        return text
    }

    func strings(_ node: Node?, _ what: String) throws(ConfigFileError) -> [String]? {
        guard let node else { return nil }
        if case .scalar = node, let text = node.string { return [text] }
        guard let sequence = node.sequence else { throw error(node, "\(what) must be a list") }
        var out: [String] = []
        for element in sequence {
            guard case .scalar = element, let text = element.string else { throw error(element, "\(what) must list text values") }
            out.append(text)
        }
        return out
    }
}
