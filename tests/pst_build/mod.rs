//! Writes small .pst files (ANSI, Unicode or Unicode with 4 KiB pages and compressed
//! blocks; obfuscated or not) for tests: no tool on our
//! machines writes one. Only what a reader needs is written: header, node and block B-trees
//! (a root page over leaf pages), data blocks, XBLOCK data trees, SLBLOCK subnode trees, and
//! heap-on-node property and table contexts ([MS-PST]). Checksums are left zero.

use std::io::Write as _;

use sporhund::extract::outlook::model::ptype;
use sporhund::extract::outlook::pst::crypt::CryptMethod;
use sporhund::extract::outlook::pst::header::Variant;

/// A property value to write.
#[derive(Clone)]
pub enum Val {
    /// PT_LONG.
    Long(u32),
    /// PT_UNICODE.
    Unicode(String),
    /// PT_STRING8 (bytes as given).
    String8(Vec<u8>),
    /// PT_BINARY.
    Binary(Vec<u8>),
    /// PT_OBJECT: a subnode id and the object's size.
    Object(u32, u32),
}

impl Val {
    fn ptype(&self) -> u16 {
        match self {
            Val::Long(_) => ptype::LONG,
            Val::Unicode(_) => ptype::UNICODE,
            Val::String8(_) => ptype::STRING8,
            Val::Binary(_) => ptype::BINARY,
            Val::Object(..) => ptype::OBJECT,
        }
    }
}

/// A node as the node B-tree or a subnode tree lists it.
#[derive(Clone, Copy)]
pub struct NodeRef {
    pub nid: u32,
    pub data: u64,
    pub sub: u64,
}

/// Largest value kept in the heap; larger ones go to a subnode (as Outlook does).
const HEAP_VALUE_MAX: usize = 3580;
/// Data per block of a data tree.
const BLOCK_DATA: usize = 8000;

pub struct Builder {
    variant: Variant,
    ansi: bool,
    crypt: u8,
    /// Block id, bytes as stored, size once inflated.
    blocks: Vec<(u64, Vec<u8>, usize)>,
    nodes: Vec<(NodeRef, u32)>,
    next_bid: u64,
    next_value_nid: u32,
}

fn put(out: &mut Vec<u8>, v: u64, len: usize) {
    out.extend_from_slice(&v.to_le_bytes()[..len]);
}

impl Builder {
    /// A store of the given variant and `bCryptMethod` (0 none, 1 permute, 2 cyclic).
    pub fn new(variant: Variant, crypt: u8) -> Self {
        Builder {
            variant,
            ansi: variant == Variant::Ansi,
            crypt,
            blocks: Vec::new(),
            nodes: Vec::new(),
            next_bid: 4,
            next_value_nid: 1,
        }
    }

    fn id(&self) -> usize {
        if self.ansi {
            4
        } else {
            8
        }
    }

    fn bid(&mut self, internal: bool) -> u64 {
        let bid = self.next_bid | if internal { 2 } else { 0 };
        self.next_bid += 4;
        bid
    }

    /// A data block holding `data` (obfuscated as the header says); its block id.
    pub fn data_block(&mut self, data: &[u8]) -> u64 {
        let bid = self.bid(false);
        let mut stored = data.to_vec();
        match self.crypt {
            1 => {
                let mut encode = [0u8; 256];
                for b in 0..=255u8 {
                    let mut x = [b];
                    CryptMethod::Permute.decode(&mut x, 0);
                    encode[x[0] as usize] = b;
                }
                stored.iter_mut().for_each(|b| *b = encode[*b as usize]);
            }
            2 => CryptMethod::Cyclic.decode(&mut stored, bid),
            _ => {}
        }
        let inflated = stored.len();
        if self.variant == Variant::Unicode4k {
            // Encoded, then compressed (a reader inflates, then decodes).
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
            z.write_all(&stored).unwrap();
            let compressed = z.finish().unwrap();
            if compressed.len() < stored.len() {
                stored = compressed;
            }
        }
        self.blocks.push((bid, stored, inflated));
        bid
    }

    /// `data` as one block, or as blocks under an XBLOCK when it is larger than a block.
    pub fn data_tree(&mut self, data: &[u8]) -> u64 {
        if data.len() <= BLOCK_DATA {
            return self.data_block(data);
        }
        let children: Vec<u64> = data
            .chunks(BLOCK_DATA)
            .map(|c| self.data_block(c))
            .collect();
        let mut x = vec![1u8, 1];
        put(&mut x, children.len() as u64, 2);
        put(&mut x, data.len() as u64, 4);
        for c in children {
            put(&mut x, c, self.id());
        }
        let bid = self.bid(true);
        self.blocks.push((bid, x.clone(), x.len()));
        bid
    }

    /// An SLBLOCK listing `subnodes`; 0 when there are none.
    pub fn subnode_tree(&mut self, subnodes: &[NodeRef]) -> u64 {
        if subnodes.is_empty() {
            return 0;
        }
        let mut sorted = subnodes.to_vec();
        sorted.sort_by_key(|n| n.nid);
        let id = self.id();
        let mut b = vec![2u8, 0];
        put(&mut b, sorted.len() as u64, 2);
        if !self.ansi {
            put(&mut b, 0, 4);
        }
        for n in sorted {
            put(&mut b, n.nid.into(), id);
            put(&mut b, n.data, id);
            put(&mut b, n.sub, id);
        }
        let bid = self.bid(true);
        self.blocks.push((bid, b.clone(), b.len()));
        bid
    }

    /// Adds a node of the node B-tree.
    pub fn node(&mut self, nid: u32, data: u64, sub: u64, parent: u32) {
        self.nodes.push((NodeRef { nid, data, sub }, parent));
    }

    /// A value's heap-or-node id: a heap item, or a new subnode for large values.
    fn hnid(&mut self, bytes: Vec<u8>, items: &mut Vec<Vec<u8>>, subs: &mut Vec<NodeRef>) -> u32 {
        if bytes.len() > HEAP_VALUE_MAX {
            let nid = (self.next_value_nid << 5) | 0x1F;
            self.next_value_nid += 1;
            let data = self.data_tree(&bytes);
            subs.push(NodeRef { nid, data, sub: 0 });
            return nid;
        }
        items.push(bytes);
        (items.len() as u32) << 5
    }

    fn value(&mut self, v: &Val, items: &mut Vec<Vec<u8>>, subs: &mut Vec<NodeRef>) -> u32 {
        match v {
            Val::Long(n) => *n,
            Val::Unicode(s) => {
                let b = s.encode_utf16().flat_map(u16::to_le_bytes).collect();
                self.hnid(b, items, subs)
            }
            Val::String8(b) | Val::Binary(b) => self.hnid(b.clone(), items, subs),
            Val::Object(nid, size) => {
                let mut b = Vec::new();
                put(&mut b, (*nid).into(), 4);
                put(&mut b, (*size).into(), 4);
                self.hnid(b, items, subs)
            }
        }
    }

    /// A property context node: its data tree and subnode tree (`extra` subnodes added).
    pub fn property_context(&mut self, props: &[(u16, Val)], extra: &[NodeRef]) -> (u64, u64) {
        let mut items = vec![Vec::new(), Vec::new()];
        let mut subs = extra.to_vec();
        let mut sorted = props.to_vec();
        sorted.sort_by_key(|p| p.0);
        let mut records = Vec::new();
        for (id, v) in &sorted {
            let value = self.value(v, &mut items, &mut subs);
            put(&mut records, (*id).into(), 2);
            put(&mut records, v.ptype().into(), 2);
            put(&mut records, value.into(), 4);
        }
        items[1] = records;
        items[0] = bth_header(2, 6, 2 << 5);
        let heap = heap(0xBC, items, 1 << 5);
        (self.data_tree(&heap), self.subnode_tree(&subs))
    }

    /// A table context node with the given columns (besides the row id and version) and
    /// rows (row id, one optional value per column).
    pub fn table_context(
        &mut self,
        columns: &[(u16, u16)],
        rows: &[(u32, Vec<Option<Val>>)],
    ) -> (u64, u64) {
        let mut items: Vec<Vec<u8>> = vec![Vec::new(); 4];
        let mut subs = Vec::new();
        let mut all = vec![(0x67F2u16, ptype::LONG), (0x67F3, ptype::LONG)];
        all.extend_from_slice(columns);
        let n = all.len();
        let fixed = 4 * n;
        let row_len = fixed + n.div_ceil(8);
        let mut matrix = Vec::new();
        let mut index = Vec::new();
        for (i, (row_id, cells)) in rows.iter().enumerate() {
            let mut row = vec![0u8; row_len];
            row[..4].copy_from_slice(&row_id.to_le_bytes());
            row[fixed] |= 0xC0;
            for (c, cell) in cells.iter().enumerate() {
                if let Some(v) = cell {
                    let value = self.value(v, &mut items, &mut subs);
                    let col = c + 2;
                    row[4 * col..4 * col + 4].copy_from_slice(&value.to_le_bytes());
                    row[fixed + col / 8] |= 0x80 >> (col % 8);
                }
            }
            matrix.extend_from_slice(&row);
            index.push((*row_id, i as u32));
        }
        index.sort();
        let index_len = if self.ansi { 2 } else { 4 };
        let mut records = Vec::new();
        for (id, i) in index {
            put(&mut records, id.into(), 4);
            put(&mut records, i.into(), index_len);
        }
        items[1] = bth_header(4, index_len as u8, 3 << 5);
        items[2] = records;
        items[3] = matrix;
        let mut info = vec![0x7C, n as u8];
        for ib in [fixed, fixed, fixed, row_len] {
            put(&mut info, ib as u64, 2);
        }
        put(&mut info, 2 << 5, 4); // row index
        put(&mut info, if rows.is_empty() { 0 } else { 4 << 5 }, 4); // row matrix
        put(&mut info, 0, 4);
        for (i, (id, ptype)) in all.iter().enumerate() {
            put(&mut info, u64::from(*ptype) | (u64::from(*id) << 16), 4);
            put(&mut info, 4 * i as u64, 2);
            info.extend_from_slice(&[4, i as u8]);
        }
        items[0] = info;
        let heap = heap(0x7C, items, 1 << 5);
        (self.data_tree(&heap), self.subnode_tree(&subs))
    }

    /// The finished file.
    pub fn finish(self) -> Vec<u8> {
        let id = self.id();
        let mut file = vec![0u8; 0x1000];
        let mut bbt_leaves: Vec<(u64, Vec<u8>)> = Vec::new();
        for (bid, data, inflated) in &self.blocks {
            let offset = file.len() as u64;
            file.extend_from_slice(data);
            file.resize(file.len().div_ceil(64) * 64 + 64, 0);
            let mut e = Vec::new();
            put(&mut e, *bid, id);
            put(&mut e, offset, id);
            put(&mut e, data.len() as u64, 2);
            match self.variant {
                Variant::Ansi => put(&mut e, 1, 2),
                Variant::Unicode => put(&mut e, 1, 6),
                Variant::Unicode4k => {
                    put(&mut e, *inflated as u64, 2);
                    put(&mut e, 1, 4);
                }
            }
            bbt_leaves.push((*bid, e));
        }
        let mut nodes = self.nodes.clone();
        nodes.sort_by_key(|n| n.0.nid);
        let nbt_leaves: Vec<(u64, Vec<u8>)> = nodes
            .iter()
            .map(|(n, parent)| {
                let mut e = Vec::new();
                put(&mut e, n.nid.into(), id);
                put(&mut e, n.data, id);
                put(&mut e, n.sub, id);
                put(&mut e, (*parent).into(), 4);
                if !self.ansi {
                    put(&mut e, 0, 4);
                }
                (n.nid.into(), e)
            })
            .collect();
        let bbt_root = self.btree(&mut file, 0x80, bbt_leaves);
        let nbt_root = self.btree(&mut file, 0x81, nbt_leaves);
        file[..4].copy_from_slice(b"!BDN");
        file[8..10].copy_from_slice(b"SM");
        let version: u16 = match self.variant {
            Variant::Ansi => 14,
            Variant::Unicode => 23,
            Variant::Unicode4k => 36,
        };
        file[10..12].copy_from_slice(&version.to_le_bytes());
        let (nbt_at, bbt_at, crypt_at) = if self.ansi {
            (188, 196, 461)
        } else {
            (224, 240, 513)
        };
        file[nbt_at..nbt_at + id].copy_from_slice(&nbt_root.to_le_bytes()[..id]);
        file[bbt_at..bbt_at + id].copy_from_slice(&bbt_root.to_le_bytes()[..id]);
        file[crypt_at] = self.crypt;
        file
    }

    /// Writes a two-level B-tree (leaf pages under one root page); the root's offset.
    fn btree(&self, file: &mut Vec<u8>, ptype: u8, entries: Vec<(u64, Vec<u8>)>) -> u64 {
        let id = self.id();
        // Offsets of cEnt, of the page trailer's ptype, and the width of cEnt and cEntMax.
        let (meta, ptype_at, count) = match self.variant {
            Variant::Ansi => (496, 500, 1),
            Variant::Unicode => (488, 496, 1),
            Variant::Unicode4k => (4056, 4072, 2),
        };
        let size = self.variant.page_len();
        let page = |file: &mut Vec<u8>, entries: &[Vec<u8>], level: u8| {
            file.resize(file.len().div_ceil(size) * size, 0);
            let offset = file.len() as u64;
            let mut p = vec![0u8; size];
            let len = entries.first().map_or(0, Vec::len);
            for (i, e) in entries.iter().enumerate() {
                p[i * len..(i + 1) * len].copy_from_slice(e);
            }
            p[meta..meta + count].copy_from_slice(&entries.len().to_le_bytes()[..count]);
            let max = meta / len.max(1);
            p[meta + count..meta + 2 * count].copy_from_slice(&max.to_le_bytes()[..count]);
            p[meta + 2 * count] = len as u8;
            p[meta + 2 * count + 1] = level;
            p[ptype_at] = ptype;
            p[ptype_at + 1] = ptype;
            file.extend_from_slice(&p);
            offset
        };
        let per_page = meta / entries[0].1.len();
        let mut root = Vec::new();
        for chunk in entries.chunks(per_page) {
            let leaf: Vec<Vec<u8>> = chunk.iter().map(|(_, e)| e.clone()).collect();
            let offset = page(file, &leaf, 0);
            let mut e = Vec::new();
            put(&mut e, chunk[0].0, id);
            put(&mut e, 0, id);
            put(&mut e, offset, id);
            root.push(e);
        }
        page(file, &root, 1)
    }
}

fn bth_header(key_len: u8, data_len: u8, root: u32) -> Vec<u8> {
    let mut h = vec![0xB5, key_len, data_len, 0];
    put(&mut h, root.into(), 4);
    h
}

/// One heap block holding `items` (item i has heap id (i + 1) << 5).
fn heap(client: u8, items: Vec<Vec<u8>>, user_root: u32) -> Vec<u8> {
    let mut h = vec![0u8, 0, 0xEC, client];
    put(&mut h, user_root.into(), 4);
    put(&mut h, 0, 4);
    let mut starts = vec![h.len()];
    for item in &items {
        h.extend_from_slice(item);
        starts.push(h.len());
    }
    if h.len() % 2 == 1 {
        h.push(0);
    }
    assert!(h.len() < BLOCK_DATA, "test heaps fit one block");
    let map = h.len();
    h[..2].copy_from_slice(&(map as u16).to_le_bytes());
    put(&mut h, items.len() as u64, 2);
    put(&mut h, 0, 2);
    for s in starts {
        put(&mut h, s as u64, 2);
    }
    h
}
