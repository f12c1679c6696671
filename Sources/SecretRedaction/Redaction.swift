import Foundation

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
        out = maskingURLPasswords(in: out)
        for marker in ["password=", "Authorization:", "authorization:", "Bearer ", "bearer "] {
            out = masking(after: marker, in: out)
        }
        return out
    }

    /// A connection string (URL or `key=value` pairs) fit to print: its password masked.
    package static func connectionString(_ conninfo: String) -> String {
        secrets(in: conninfo)
    }

    /// The passwords of the `scheme://user:password@` URLs in `text`, as written and
    /// percent-decoded: what a message about that text may echo (libpq quotes the decoded
    /// form of a URL it cannot use).
    package static func urlPasswords(of text: String) -> [String] {
        var found: [String] = []
        forEachPassword(in: text) { password in
            found.append(String(password))
            if let decoded = password.removingPercentEncoding, decoded != password { found.append(decoded) }
        }
        return found
    }

    /// Masks the password part of each `://user:password@` in `text`.
    private static func maskingURLPasswords(in text: String) -> String {
        var out = ""
        var copied = text.startIndex
        forEachPassword(in: text) { password in
            out += text[copied..<password.startIndex] + mask
            copied = password.endIndex
        }
        return out + text[copied...]
    }

    /// Calls `body` with the password of each `scheme://user:password@host` in `text`, in
    /// order: the user part ends at the authority's last `@`, even in a URL libpq cannot parse.
    private static func forEachPassword(in text: String, _ body: (Substring) -> Void) {
        var rest = Substring(text)
        while let scheme = rest.range(of: "://") {
            let after = rest[scheme.upperBound...]
            let authorityEnd = after.firstIndex(where: { " \t\n\"'/?#<>".contains($0) }) ?? after.endIndex
            let authority = after[..<authorityEnd]
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                body(authority[authority.index(after: colon)..<at])
            }
            rest = after[authorityEnd...]
        }
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
