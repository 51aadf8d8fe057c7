//! The node database layer ([MS-PST] 2.2.2): the node and block B-trees, data blocks, data
//! trees (XBLOCK/XXBLOCK) and subnode trees (SLBLOCK/SIBLOCK).
//!
//! Every structure is read with positioned reads and checked before use; every walk over
//! on-disk links is bounded (B-tree levels must go down by one per page, data trees are at most
//! two levels deep, sizes are capped), so a corrupt or hostile store cannot loop or exhaust
//! memory.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Read;
use std::rc::Rc;

use super::header::{Header, Variant};
use super::source::Source;
use crate::extract::ExtractError;

/// B-tree page types (PAGETRAILER `ptype`).
const PTYPE_BBT: u8 = 0x80;
const PTYPE_NBT: u8 = 0x81;
/// Deepest B-tree accepted (real stores have 2–4 levels).
const MAX_BTREE_LEVELS: u8 = 16;
/// Pages kept in memory; the cache is emptied when it is full.
const PAGE_CACHE_PAGES: usize = 2048;

/// A node: one entry of the node B-tree (or of a subnode tree).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Node {
    /// Node id.
    pub nid: u32,
    /// Block id of the node's data (a data block or the root of a data tree); 0 when empty.
    pub data: u64,
    /// Block id of the node's subnode tree; 0 when it has none.
    pub sub: u64,
}

/// The subnodes of a node, by node id.
pub type Subnodes = BTreeMap<u32, Node>;

/// Where a block is stored (one entry of the block B-tree).
#[derive(Debug, Clone, Copy)]
struct BlockRef {
    offset: u64,
    stored: u16,
    inflated: u16,
}

/// The store's node database, read on demand.
pub struct Ndb<'a> {
    source: Source<'a>,
    /// The parsed header.
    pub header: Header,
    pages: RefCell<HashMap<u64, Rc<Vec<u8>>>>,
}

fn corrupt(m: impl Into<String>) -> ExtractError {
    ExtractError::Corrupt(m.into())
}

/// Little-endian unsigned integer of `len` (1, 2, 4 or 8) bytes at `at`; 0 when out of range.
pub fn le(data: &[u8], at: usize, len: usize) -> u64 {
    data.get(at..at.saturating_add(len)).map_or(0, |b| {
        b.iter()
            .rev()
            .fold(0u64, |acc, &byte| (acc << 8) | u64::from(byte))
    })
}

/// The zlib stream `data`, which must inflate to exactly `len` bytes.
fn inflate(data: &[u8], len: u16) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(len as usize);
    flate2::read::ZlibDecoder::new(data)
        .take(u64::from(len) + 1)
        .read_to_end(&mut out)
        .map_err(|e| e.to_string())?;
    if out.len() != len as usize {
        return Err(format!("inflates to {} bytes, not {len}", out.len()));
    }
    Ok(out)
}

/// Ignores the reserved low bit of a block id ([MS-PST] 2.2.2.2).
fn block_key(bid: u64) -> u64 {
    bid & !1
}

/// True for a block holding NDB structures (XBLOCK, SLBLOCK …) rather than data.
fn is_internal(bid: u64) -> bool {
    bid & 2 != 0
}

/// A checked B-tree page.
struct BtreePage {
    page: Rc<Vec<u8>>,
    count: usize,
    entry_len: usize,
    level: u8,
}

impl BtreePage {
    fn entry(&self, i: usize) -> &[u8] {
        &self.page[i * self.entry_len..(i + 1) * self.entry_len]
    }
}

/// The layout of a B-tree page for a variant.
struct PageLayout {
    /// Offset of cEnt; cEntMax, cbEnt and cLevel follow.
    meta: usize,
    /// Width of cEnt and cEntMax.
    count_len: usize,
    /// Offset of the page trailer's `ptype`.
    ptype: usize,
}

fn page_layout(v: Variant) -> PageLayout {
    match v {
        Variant::Ansi => PageLayout {
            meta: 496,
            count_len: 1,
            ptype: 500,
        },
        Variant::Unicode => PageLayout {
            meta: 488,
            count_len: 1,
            ptype: 496,
        },
        // Not in [MS-PST]; as libpff documents it: two padding fields and a 24-byte trailer.
        Variant::Unicode4k => PageLayout {
            meta: 4056,
            count_len: 2,
            ptype: 4072,
        },
    }
}

impl<'a> Ndb<'a> {
    /// Opens the store: reads and checks the header.
    pub fn open(source: Source<'a>) -> Result<Self, ExtractError> {
        let len = source.size().min(super::header::HEADER_LEN as u64) as usize;
        let header = Header::parse(&source.read_at(0, len)?)?;
        Ok(Ndb {
            source,
            header,
            pages: RefCell::new(HashMap::new()),
        })
    }

    fn page(&self, offset: u64) -> Result<Rc<Vec<u8>>, ExtractError> {
        if let Some(p) = self.pages.borrow().get(&offset) {
            return Ok(p.clone());
        }
        let page = Rc::new(
            self.source
                .read_at(offset, self.header.variant.page_len())?,
        );
        let mut cache = self.pages.borrow_mut();
        if cache.len() >= PAGE_CACHE_PAGES {
            cache.clear();
        }
        cache.insert(offset, page.clone());
        Ok(page)
    }

    /// The B-tree page at `offset`, checked: its type is `ptype`, its level `level` when
    /// given, and its entries fit.
    fn btree_page(
        &self,
        offset: u64,
        ptype: u8,
        level: Option<u8>,
    ) -> Result<BtreePage, ExtractError> {
        let v = self.header.variant;
        let layout = page_layout(v);
        let id = v.id_len();
        let what = if ptype == PTYPE_NBT { "node" } else { "block" };
        let page = self.page(offset)?;
        if page[layout.ptype] != ptype {
            return Err(corrupt(format!(
                "{what} B-tree page at offset {offset} has page type {:#x}",
                page[layout.ptype]
            )));
        }
        let count = le(&page, layout.meta, layout.count_len) as usize;
        let entry_len = page[layout.meta + 2 * layout.count_len] as usize;
        let found = page[layout.meta + 2 * layout.count_len + 1];
        let leaf_min = match (ptype, found) {
            (_, l) if l > 0 => 3 * id,
            (PTYPE_NBT, _) => 4 * id,
            _ => 2 * id + 4,
        };
        if found > MAX_BTREE_LEVELS
            || level.is_some_and(|l| l != found)
            || entry_len < leaf_min
            || count * entry_len > layout.meta
        {
            return Err(corrupt(format!(
                "{what} B-tree page at offset {offset} is malformed (level {found}, {count} entries of {entry_len} bytes)"
            )));
        }
        Ok(BtreePage {
            page,
            count,
            entry_len,
            level: found,
        })
    }

    /// Finds the leaf entry whose key is `key` in the B-tree of type `ptype` rooted at `root`.
    /// Keys are compared after `norm`.
    fn search(
        &self,
        root: u64,
        ptype: u8,
        key: u64,
        norm: fn(u64) -> u64,
    ) -> Result<Option<Vec<u8>>, ExtractError> {
        let id = self.header.variant.id_len();
        let mut offset = root;
        let mut expected_level = None;
        loop {
            // Levels go down by one per page, so the walk ends.
            let p = self.btree_page(offset, ptype, expected_level)?;
            let entry_key = |i: usize| norm(le(p.entry(i), 0, id));
            // Entries are sorted by key: the last entry whose key is not above `key`.
            let n = (0..p.count).take_while(|&i| entry_key(i) <= key).count();
            if n == 0 {
                return Ok(None);
            }
            if p.level == 0 {
                return Ok((entry_key(n - 1) == key).then(|| p.entry(n - 1).to_vec()));
            }
            offset = le(p.entry(n - 1), 2 * id, id);
            expected_level = Some(p.level - 1);
        }
    }

    /// Every node of the node B-tree with its parent's node id, in key order. Each page is
    /// read once, so a damaged tree whose pages share children cannot multiply the work.
    pub fn for_each_node(&self, f: &mut dyn FnMut(Node, u32)) -> Result<(), ExtractError> {
        let id = self.header.variant.id_len();
        let mut seen = HashSet::new();
        let mut stack = vec![(self.header.nbt_root, None)];
        while let Some((offset, level)) = stack.pop() {
            if !seen.insert(offset) {
                continue;
            }
            let p = self.btree_page(offset, PTYPE_NBT, level)?;
            let entries = (0..p.count).map(|i| p.entry(i));
            if p.level > 0 {
                // Pushed in reverse so that children are visited in key order.
                let children: Vec<_> = entries
                    .map(|e| (le(e, 2 * id, id), Some(p.level - 1)))
                    .collect();
                stack.extend(children.into_iter().rev());
                continue;
            }
            for e in entries {
                let node = Node {
                    nid: le(e, 0, id) as u32,
                    data: le(e, id, id),
                    sub: le(e, 2 * id, id),
                };
                f(node, le(e, 3 * id, 4) as u32);
            }
        }
        Ok(())
    }

    /// The node `nid` of the node B-tree, `None` when the store has no such node.
    pub fn node(&self, nid: u32) -> Result<Option<Node>, ExtractError> {
        let id = self.header.variant.id_len();
        let entry = self.search(self.header.nbt_root, PTYPE_NBT, u64::from(nid), |k| {
            k & 0xFFFF_FFFF
        })?;
        Ok(entry.map(|e| Node {
            nid,
            data: le(&e, id, id),
            sub: le(&e, 2 * id, id),
        }))
    }

    fn block_ref(&self, bid: u64) -> Result<BlockRef, ExtractError> {
        let id = self.header.variant.id_len();
        let e = self
            .search(self.header.bbt_root, PTYPE_BBT, block_key(bid), block_key)?
            .ok_or_else(|| corrupt(format!("block {bid:#x} is not in the block B-tree")))?;
        let stored = le(&e, 2 * id, 2) as u16;
        let inflated = match self.header.variant {
            Variant::Unicode4k => le(&e, 2 * id + 2, 2) as u16,
            _ => stored,
        };
        Ok(BlockRef {
            offset: le(&e, id, id),
            stored,
            inflated,
        })
    }

    /// The content of block `bid`: inflated when it is a compressed block of a 4 KiB-page
    /// store, decoded when it is a data block.
    pub fn block(&self, bid: u64) -> Result<Vec<u8>, ExtractError> {
        let r = self.block_ref(bid)?;
        let mut data = self.source.read_at(r.offset, r.stored as usize)?;
        if is_internal(bid) {
            return Ok(data);
        }
        if r.inflated > r.stored {
            // libpff inflates, then decodes; the other order is tried when that fails.
            data = match inflate(&data, r.inflated) {
                Ok(plain) => plain,
                Err(e) => {
                    self.header.crypt.decode(&mut data, bid);
                    let plain = inflate(&data, r.inflated)
                        .map_err(|_| corrupt(format!("compressed block {bid:#x}: {e}")))?;
                    return Ok(plain);
                }
            };
        }
        self.header.crypt.decode(&mut data, bid);
        Ok(data)
    }

    /// The data blocks of the data tree rooted at `bid`, in order; at most `limit` bytes in all.
    pub fn data_blocks(&self, bid: u64, limit: u64) -> Result<Vec<Vec<u8>>, ExtractError> {
        let mut out = Vec::new();
        if bid != 0 {
            let mut total = 0u64;
            self.collect_data(bid, 2, limit, &mut total, &mut out)?;
        }
        Ok(out)
    }

    /// The data tree rooted at `bid` as one byte string of at most `limit` bytes.
    pub fn data(&self, bid: u64, limit: u64) -> Result<Vec<u8>, ExtractError> {
        Ok(self.data_blocks(bid, limit)?.concat())
    }

    fn collect_data(
        &self,
        bid: u64,
        max_level: u8,
        limit: u64,
        total: &mut u64,
        out: &mut Vec<Vec<u8>>,
    ) -> Result<(), ExtractError> {
        let block = self.block(bid)?;
        if !is_internal(bid) {
            *total += block.len() as u64;
            if *total > limit {
                return Err(ExtractError::Limit(format!(
                    "an item of the store is larger than {limit} bytes"
                )));
            }
            out.push(block);
            return Ok(());
        }
        let id = self.header.variant.id_len();
        let (btype, level, count) = (
            le(&block, 0, 1),
            le(&block, 1, 1) as u8,
            le(&block, 2, 2) as usize,
        );
        let declared = le(&block, 4, 4);
        if btype != 1 || level == 0 || level > max_level || block.len() < 8 + count * id {
            return Err(corrupt(format!("data tree block {bid:#x} is malformed")));
        }
        if declared > limit {
            return Err(ExtractError::Limit(format!(
                "an item of the store is {declared} bytes, more than the {limit} bytes read"
            )));
        }
        for i in 0..count {
            let child = le(&block, 8 + i * id, id);
            if level == 1 && is_internal(child) {
                return Err(corrupt(format!("data tree block {bid:#x} is malformed")));
            }
            self.collect_data(child, level - 1, limit, total, out)?;
        }
        Ok(())
    }

    /// The subnodes listed by the subnode tree rooted at `bid` (empty when `bid` is 0).
    pub fn subnodes(&self, bid: u64) -> Result<Subnodes, ExtractError> {
        let mut out = Subnodes::new();
        if bid != 0 {
            self.collect_subnodes(bid, true, &mut out)?;
        }
        Ok(out)
    }

    fn collect_subnodes(
        &self,
        bid: u64,
        top: bool,
        out: &mut Subnodes,
    ) -> Result<(), ExtractError> {
        let block = self.block(bid)?;
        let id = self.header.variant.id_len();
        let (btype, level, count) = (
            le(&block, 0, 1),
            le(&block, 1, 1),
            le(&block, 2, 2) as usize,
        );
        // Unicode blocks pad the 4-byte header to 8.
        let start = if id == 8 { 8 } else { 4 };
        let entry_len = if level == 0 { 3 * id } else { 2 * id };
        if btype != 2
            || level > 1
            || (level == 1 && !top)
            || block.len() < start + count * entry_len
        {
            return Err(corrupt(format!("subnode tree block {bid:#x} is malformed")));
        }
        for i in 0..count {
            let e = &block[start + i * entry_len..start + (i + 1) * entry_len];
            if level == 1 {
                self.collect_subnodes(le(e, id, id), false, out)?;
            } else {
                let nid = le(e, 0, id) as u32;
                out.insert(
                    nid,
                    Node {
                        nid,
                        data: le(e, id, id),
                        sub: le(e, 2 * id, id),
                    },
                );
            }
        }
        Ok(())
    }
}
