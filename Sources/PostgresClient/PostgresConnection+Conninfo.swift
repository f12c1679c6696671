import CLibPQ

extension PostgresConnection {
    /// Rewrites a connection string or URL as `key='value'` pairs with some keys replaced,
    /// for example to reach another database on the same server.
    ///
    /// Parsing is libpq's own (`PQconninfoParse`), so every form libpq accepts works.
    package static func conninfo(_ base: String, replacing overrides: [String: String]) throws -> String {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(base, &errorMessage) else {
            let message = errorMessage.map { String(cString: $0) } ?? "out of memory"
            if let errorMessage { PQfreemem(errorMessage) }  // Owner: this function.
            throw PostgresError(.connectionFailed, "invalid connection string: \(oneLine(message))")
        }
        defer { PQconninfoFree(options) }  // Owner: this function.
        return written(options, replacing: overrides)
    }

    /// Opens another connection with this one's parameters (libpq's `PQconninfo`: server,
    /// database, user, password and the rest): for work shared between two sessions.
    package func sibling() throws -> PostgresConnection {
        guard let options = PQconninfo(try connection()) else {
            throw PostgresError(.connectionFailed, "libpq could not list this connection's parameters")
        }
        defer { PQconninfoFree(options) }  // Owner: this function.
        return try PostgresConnection(Self.written(options, replacing: [:]), logger: logger)
    }

    /// libpq's options as `key='value'` pairs, `overrides` in place of theirs.
    private static func written(_ options: UnsafeMutablePointer<PQconninfoOption>, replacing overrides: [String: String]) -> String {
        var pairs: [(String, String)] = []
        var option = options
        while let keyword = option.pointee.keyword {
            let key = String(cString: keyword)
            if overrides[key] == nil, let value = option.pointee.val {
                pairs.append((key, String(cString: value)))
            }
            option += 1
        }
        for (key, value) in overrides.sorted(by: { $0.key < $1.key }) { pairs.append((key, value)) }
        return pairs.map { key, value in
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
            return "\(key)='\(escaped)'"
        }.joined(separator: " ")
    }
}
