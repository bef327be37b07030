// Print what podcast-partytime (the Podcast Index parser) reads from a feed, as JSON.
// Usage: NODE_PATH=.venv/node/node_modules node partytime_parse.js FEED.xml
const fs = require("fs");
const pt = require("podcast-partytime");
const xml = fs.readFileSync(process.argv[2], "utf8");
const feed = pt.parseFeed(xml, { allowMissingGuid: true });
if (!feed) { console.log(JSON.stringify(null)); process.exit(0); }
console.log(JSON.stringify({
  title: feed.title, guid: feed.guid, locked: feed.locked, medium: feed.medium,
  txt: feed.podcastTxt || [], people: feed.podcastPeople || [],
  images: (feed.podcastImages || []).map(i => i.raw || i),
  items: feed.items.map(i => ({ title: i.title, guid: i.guid, url: i.enclosure && i.enclosure.url,
    length: i.enclosure && i.enclosure.length, duration: i.duration,
    transcripts: (i.podcastTranscripts || []).map(t => [t.url, t.type]),
    chapters: i.podcastChapters ? i.podcastChapters.url : null,
    languages: (i.podcastTranscripts || []).map(t => t.language || null),
    txt: i.podcastTxt || [], people: i.podcastPeople || [],
    images: (i.podcastImages || []).map(im => im.raw || im), link: i.link || null })),
}));
