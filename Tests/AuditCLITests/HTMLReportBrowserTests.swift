import Foundation
import Testing
import TestSupport

/// Renders the demo week's HTML report in headless Chromium (Debian's `chromium`, which
/// `scripts/test` installs): a screenshot for people, and DOM checks for the test. The
/// screenshot is kept at `.build/report-check/report.png`.
@Suite("the HTML report in a real browser", .serialized)
struct HTMLReportBrowserTests {
    static let folder = DemoDatabase.root.appendingPathComponent(".build/report-check")

    /// Runs chromium headless with `arguments`; its standard output.
    static func chromium(_ arguments: [String]) throws -> String {
        guard let path = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: FileManager.default.isExecutableFile(atPath:)) else {
            throw TestSetupError("chromium is not installed: scripts/test installs it (apt-get install -y chromium)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                             "--user-data-dir=\(folder.appendingPathComponent("profile").path)"] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// The demo week's HTML report, with the folder for pages made.
    static func demoWeekHTML() throws -> String {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var text = ""
        try DemoDatabase.withDemo { db in
            let html = try CommandRunner.run(["report", "--database-url", db, "--format", "html", "--from", "2026-11-16T00:00:00Z", "--to", "2026-11-23T00:00:00Z"])
            #expect(html.status == 0)
            text = html.stdout
        }
        return text
    }

    @Test("the chart is drawn and the filter hides what it should; a screenshot is taken")
    func rendered() throws {
        let page = Self.folder.appendingPathComponent("report.html")
        try Self.demoWeekHTML().write(to: page, atomically: true, encoding: .utf8)
        let screenshot = Self.folder.appendingPathComponent("report.png")
        try? FileManager.default.removeItem(at: screenshot)
        _ = try Self.chromium(["--window-size=1200,1600", "--screenshot=\(screenshot.path)", page.absoluteString])
        let size = (try? FileManager.default.attributesOfItem(atPath: screenshot.path)[.size] as? Int) ?? 0
        #expect(size > 10_000, "the screenshot is a real picture")
        print("browser check: screenshot of the demo week's HTML report at \(screenshot.path)")

        // The DOM after the scripts ran: every profile shown, the chart's bars drawn.
        let all = try Self.chromium(["--dump-dom", page.absoluteString])
        #expect(all.components(separatedBy: "<section class=\"profile").count - 1 == 11)
        #expect(all.components(separatedBy: "<rect class=\"bar\"").count - 1 >= 6)
        #expect(all.contains("data-severity=\"critical\""))
        #expect(all.contains("11 of 11 profiles shown"))
        // The filter from the fragment: high and up keeps the 5 profiles with such a change.
        let high = try Self.chromium(["--dump-dom", page.absoluteString + "#severity=high"])
        #expect(high.contains("5 of 11 profiles shown"), "\(high.prefix(300))")
        #expect(Self.shownNames(high) == ["Break-glass Admin", "Tier2 Agent – EMEA", "Tier1 Agent – EMEA", "Supervisor – EMEA", "Sandbox Tester"])
        let text = try Self.chromium(["--dump-dom", page.absoluteString + "#text=break-glass"])
        #expect(Self.shownNames(text) == ["Break-glass Admin"])
        let narrowed = try Self.chromium(["--dump-dom", page.absoluteString + "#drift=narrowed&account=123456789012"])
        // The week's three narrowed changes (the JSON report lists the same three), in page order.
        #expect(Self.shownNames(narrowed) == ["Tier1 Agent – EMEA", "Supervisor – EMEA", "Temp Contractor – EMEA"])
    }

    @Test("the report's own script runs under its CSP, and a script or handler slipped into the page does not")
    func injectedScriptBlocked() throws {
        let page = Self.folder.appendingPathComponent("injected.html")
        let html = try Self.demoWeekHTML()
        #expect(html.contains("script-src 'sha256-") && !html.contains("script-src 'unsafe-inline'"))
        // What escaping stops, planted by hand: the CSP is the second wall.
        let planted = html.replacingOccurrences(
            of: "</h1>",
            with: #"</h1><img src="x" onerror="document.body.setAttribute('data-owned','handler')"><script>document.body.setAttribute('data-owned','script')</script>"#)
        try planted.write(to: page, atomically: true, encoding: .utf8)
        let dom = try Self.chromium(["--dump-dom", page.absoluteString])
        #expect(dom.contains("11 of 11 profiles shown"), "the report's own script ran")
        #expect(dom.contains("document.body.setAttribute"), "the planted code is in the page")
        #expect(!dom.contains("data-owned=\""), "a planted script or handler ran")
    }

    /// The names of the profile sections not hidden, in order.
    static func shownNames(_ dom: String) -> [String] {
        dom.components(separatedBy: "<section class=\"profile").dropFirst().compactMap { section in
            let head = section.prefix { $0 != ">" }
            guard !head.contains(" hidden") else { return nil }
            guard let start = section.range(of: "<h3>"), let end = section.range(of: "</h3>") else { return nil }
            return String(section[start.upperBound..<end.lowerBound])
        }
    }
}
