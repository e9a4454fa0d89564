import BoxAPI
import Foundation
import BoxBridgeProtocol
import Testing

@testable import Collector

@Suite("LRU cache")
struct LRUCacheTests {
    @Test("holds at most its capacity, evicting the least recently used; a read refreshes recency")
    func evictsLeastRecentlyUsed() {
        var cache = LRUCache<String, Int>(capacity: 3)
        cache.set(1, for: "a")
        cache.set(2, for: "b")
        cache.set(3, for: "c")
        #expect(cache.value(for: "a") == 1)  // a is now the most recent
        cache.set(4, for: "d")  // evicts b
        #expect(cache.count == 3)
        #expect(cache.evictions == 1)
        #expect(!cache.contains("b"))
        #expect(cache.keysByRecency == ["d", "a", "c"])
        cache.set(30, for: "c")  // update in place, no eviction
        #expect(cache.evictions == 1)
        #expect(cache.keysByRecency == ["c", "d", "a"])
        for key in ["e", "f", "g"] { cache.set(0, for: key) }
        #expect(cache.keysByRecency == ["g", "f", "e"])
        #expect(cache.evictions == 4)
        #expect(cache.value(for: "c") == nil)
    }

    @Test("capacity 0 caches nothing; capacity 1 keeps the last")
    func tinyCapacities() {
        var none = LRUCache<Int, Int>(capacity: 0)
        none.set(1, for: 1)
        #expect(none.count == 0)
        #expect(none.value(for: 1) == nil)
        var one = LRUCache<Int, Int>(capacity: 1)
        one.set(1, for: 1)
        one.set(2, for: 2)
        #expect(one.keysByRecency == [2])
        #expect(one.value(for: 2) == 2)
    }

    @Test("many keys through a small cache keep it consistent")
    func churn() {
        var cache = LRUCache<Int, Int>(capacity: 7)
        for key in 0..<1_000 {
            cache.set(key * 2, for: key % 13)
            if key % 3 == 0 { _ = cache.value(for: (key / 3) % 13) }
            #expect(cache.count <= 7)
        }
        let keys = cache.keysByRecency
        #expect(keys.count == 7)
        #expect(Set(keys).count == 7)
        for key in keys { #expect(cache.contains(key)) }
    }
}

@Suite("What an event needs enriched")
struct EnrichmentNeedTests {
    func event(_ category: Boxbridge_V1_Category, id: String = "1", name: String = "x.docx", parent: String = "5", path: String = "",
               type: String = "file") -> Boxbridge_V1_FileEvent {
        var event = Boxbridge_V1_FileEvent()
        event.category = category
        event.file.id = id
        event.file.name = name
        event.file.parentID = parent
        event.file.path = path
        event.file.itemType = type
        return event
    }

    @Test("a file event without a path needs its parent folder's path")
    func parentPath() {
        let need = EnrichmentNeed.of(event(.modified))
        #expect(need.parentFolderID == "5")
        #expect(need.item == nil)
        #expect(!need.link)
    }

    @Test("nothing is needed with a path, without a file, or without a file id")
    func notNeeded() {
        #expect(!EnrichmentNeed.of(event(.modified, path: "/All Files/x.docx")).isNeeded)
        #expect(!EnrichmentNeed.of(Boxbridge_V1_FileEvent()).isNeeded)
        #expect(!EnrichmentNeed.of(event(.downloaded, id: "")).isNeeded)
    }

    @Test("no parent or no name: the path comes from the item itself")
    func pathFromItem() {
        let need = EnrichmentNeed.of(event(.shieldBlocked, parent: ""))
        #expect(need.pathFromItem)
        #expect(need.item == .item(id: "1", isFolder: false))
        let folder = EnrichmentNeed.of(event(.deleted, name: "", type: "folder"))
        #expect(folder.item == .item(id: "1", isFolder: true))
    }

    @Test("shared-link events without the access need the item's link; with it they do not")
    func link() {
        let need = EnrichmentNeed.of(event(.sharedLink, path: "/All Files/x.docx"))
        #expect(need.link)
        #expect(need.item == .item(id: "1", isFolder: false))
        var known = event(.sharedLink, path: "/All Files/x.docx")
        known.share.linkAccess = .open
        #expect(!EnrichmentNeed.of(known).isNeeded)
        // Web links have no files/folders view: only their path is looked for.
        let webLink = EnrichmentNeed.of(event(.sharedLink, type: "web_link"))
        #expect(!webLink.link)
        #expect(webLink.parentFolderID == "5")
    }

    @Test("a link's effective access wins over the access set on it")
    func effectiveAccess() {
        var link = BoxSharedLinkFixture.make(access: "open", effective: "company")
        #expect(Enricher.linkAccess(link) == .company)
        link = BoxSharedLinkFixture.make(access: "collaborators", effective: nil)
        #expect(Enricher.linkAccess(link) == .collaborators)
        #expect(Enricher.linkAccess(nil) == .unspecified)
    }
}

enum BoxSharedLinkFixture {
    static func make(access: String?, effective: String?) -> BoxSharedLink {
        var object: [String] = []
        if let access { object.append("\"access\":\"\(access)\"") }
        if let effective { object.append("\"effective_access\":\"\(effective)\"") }
        return try! JSONDecoder().decode(BoxSharedLink.self, from: Data("{\(object.joined(separator: ","))}".utf8))
    }
}
