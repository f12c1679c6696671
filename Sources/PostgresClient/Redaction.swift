/// The one redaction function for text that may carry a secret: connection strings,
/// messages that echo one (libpq's parse errors, argument-parser's "unexpected argument"),
/// and remote error bodies that echo a request's headers. Used before anything is printed,
/// logged or stored.
///
/// It works on text as written, so it also hides the password of a connection string
/// that libpq cannot parse (`postgresql://bob:SeCr%zzEt@…`, `bob:pw@[::1:5432/x`).
package enum Redaction {
    /// What replaces a secret.
    package static let mask = "***"

    /// `text` with every known secret and every secret-looking part replaced by `***`:
    /// - each of `known` (header values, tokens; those shorter than 4 characters are
    ///   skipped, since masking them would mangle ordinary words);
    /// - the password of every `scheme://user:password@host` URL;
    /// - the value of `password=` and `Authorization:` (its scheme word stays), and the token
    ///   after `Bearer `.
    package static func secrets(in text: String, known: [String] = []) -> String {
        var out = text
        for secret in known where secret.count >= 4 {
            out = out.replacing(secret, with: mask)
        }
        out = urlPasswords(in: out)
        for marker in ["password=", "Authorization:", "authorization:", "Bearer ", "bearer "] {
            out = masking(after: marker, in: out)
        }
        return out
    }

    /// A connection string (URL or `key=value` pairs) fit to print: its password masked.
    package static func connectionString(_ conninfo: String) -> String {
        secrets(in: conninfo)
    }

    /// Masks the password part of each `://user:password@` in `text`.
    private static func urlPasswords(in text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let scheme = rest.range(of: "://") {
            out += rest[..<scheme.upperBound]
            let after = rest[scheme.upperBound...]
            let authorityEnd = after.firstIndex(where: { " \t\n\"'/?#<>".contains($0) }) ?? after.endIndex
            let authority = after[..<authorityEnd]
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                out += authority[...colon] + mask + authority[at...]
            } else {
                out += authority
            }
            rest = after[authorityEnd...]
        }
        return out + rest
    }

    /// Masks what follows each `marker` up to the next space, `&`, quote or line end.
    private static func masking(after marker: String, in text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let found = rest.range(of: marker) {
            out += rest[..<found.upperBound]
            var value = rest[found.upperBound...]
            // `Authorization: Bearer x` keeps its scheme word visible; the token goes.
            while value.first == " " {
                out += " "
                value = value.dropFirst()
            }
            let end = value.firstIndex(where: { " \t\r\n&\"',;}".contains($0) }) ?? value.endIndex
            let scheme = value[..<end]
            if marker.hasSuffix(":"), scheme == "Bearer" || scheme == "Basic" {
                out += scheme
                rest = value[end...]
                continue
            }
            if !value[..<end].isEmpty { out += mask }
            rest = value[end...]
        }
        return out + rest
    }
}
