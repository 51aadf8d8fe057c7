//! The lists, tables and properties layer ([MS-PST] 2.3): heap-on-node, BTree-on-heap,
//! property contexts and table contexts.

use super::ndb::{le, Ndb, Subnodes};
use crate::extract::ExtractError;

/// Heap signature (`bSig` of HNHDR).
const HEAP_SIGNATURE: u8 = 0xEC;
/// `bClientSig` of a property context's heap, and `bType` of a BTree-on-heap header.
const CLIENT_BTH: u8 = 0xB5;
const CLIENT_PC: u8 = 0xBC;
/// `bClientSig` of a table context's heap, and `bType` of its TCINFO.
const CLIENT_TC: u8 = 0x7C;
/// Deepest BTree-on-heap accepted.
const MAX_BTH_LEVELS: u8 = 8;

fn corrupt(m: impl Into<String>) -> ExtractError {
    ExtractError::Corrupt(m.into())
}

/// The (key, data) records of a BTree-on-heap, in key order.
pub type BthRecords<'h> = Vec<(u64, &'h [u8])>;

/// A heap-on-node: the blocks of a node's data, each with its own allocation map.
pub struct Heap {
    blocks: Vec<Vec<u8>>,
    /// What the heap holds (`bClientSig`: property context, table context …).
    pub client: u8,
    /// The heap id of the client's root structure.
    pub user_root: u32,
}

impl Heap {
    /// A heap over `blocks`, the data blocks of a node.
    pub fn new(blocks: Vec<Vec<u8>>) -> Result<Heap, ExtractError> {
        let first = blocks
            .first()
            .ok_or_else(|| corrupt("a property or table node has no data"))?;
        if first.len() < 12 || first[2] != HEAP_SIGNATURE {
            return Err(corrupt("a node's data is not a heap (no 0xEC signature)"));
        }
        Ok(Heap {
            client: first[3],
            user_root: le(first, 4, 4) as u32,
            blocks,
        })
    }

    /// The item with heap id `hid`; empty for hid 0.
    pub fn item(&self, hid: u32) -> Result<&[u8], ExtractError> {
        if hid == 0 {
            return Ok(&[]);
        }
        let bad = || corrupt(format!("heap item {hid:#x} does not exist"));
        if hid & 0x1F != 0 {
            return Err(bad());
        }
        let index = ((hid >> 5) & 0x7FF) as usize;
        let block = self.blocks.get((hid >> 16) as usize).ok_or_else(bad)?;
        let map = le(block, 0, 2) as usize;
        let allocated = le(block, map, 2) as usize;
        if index == 0 || index > allocated || block.len() < map + 4 + 2 * (allocated + 1) {
            return Err(bad());
        }
        let start = le(block, map + 4 + 2 * (index - 1), 2) as usize;
        let end = le(block, map + 4 + 2 * index, 2) as usize;
        block.get(start..end).ok_or_else(bad)
    }

    /// The records of the BTree-on-heap whose header is item `hid`: (key, data) pairs in key
    /// order, with the key and data sizes of the header.
    pub fn bth(&self, hid: u32) -> Result<(BthRecords<'_>, usize), ExtractError> {
        let h = self.item(hid)?;
        if h.len() < 8 || h[0] != CLIENT_BTH {
            return Err(corrupt("BTree-on-heap header is malformed"));
        }
        let (key_len, data_len, levels, root) = (h[1] as usize, h[2] as usize, h[3], le(h, 4, 4));
        if !matches!(key_len, 2 | 4 | 8) || data_len == 0 || levels > MAX_BTH_LEVELS {
            return Err(corrupt("BTree-on-heap header is malformed"));
        }
        let mut out = Vec::new();
        if root != 0 {
            self.bth_level(root as u32, levels, key_len, data_len, &mut out)?;
        }
        Ok((out, data_len))
    }

    fn bth_level<'h>(
        &'h self,
        hid: u32,
        level: u8,
        key_len: usize,
        data_len: usize,
        out: &mut BthRecords<'h>,
    ) -> Result<(), ExtractError> {
        let records = self.item(hid)?;
        let record_len = key_len + if level == 0 { data_len } else { 4 };
        for r in records.chunks_exact(record_len) {
            if level == 0 {
                out.push((le(r, 0, key_len), &r[key_len..]));
            } else {
                self.bth_level(le(r, key_len, 4) as u32, level - 1, key_len, data_len, out)?;
            }
        }
        Ok(())
    }
}

/// Reads the bytes of a heap-or-node id: a heap item, or the data of a subnode.
pub struct ValueReader<'r, 'a> {
    /// The store.
    pub ndb: &'r Ndb<'a>,
    /// The node's heap.
    pub heap: &'r Heap,
    /// The node's subnodes.
    pub subnodes: &'r Subnodes,
    /// Largest value read.
    pub limit: u64,
}

impl ValueReader<'_, '_> {
    /// The bytes `hnid` refers to.
    pub fn bytes(&self, hnid: u32) -> Result<Vec<u8>, ExtractError> {
        if hnid & 0x1F == 0 {
            return Ok(self.heap.item(hnid)?.to_vec());
        }
        let node = self
            .subnodes
            .get(&hnid)
            .ok_or_else(|| corrupt(format!("subnode {hnid:#x} is missing")))?;
        self.ndb.data(node.data, self.limit)
    }
}

/// One property as stored: id, type and value bytes (fixed-size values little-endian).
#[derive(Debug, Clone, PartialEq)]
pub struct RawProp {
    /// Property id.
    pub id: u16,
    /// Property type (PT_*).
    pub ptype: u16,
    /// The value's bytes, or why they could not be read.
    pub value: Result<Vec<u8>, String>,
}

/// Property types whose value in a table row or property context is a heap-or-node id.
fn is_variable(ptype: u16) -> bool {
    matches!(
        ptype,
        0x1E | 0x1F | 0x0D | 0x48 | 0x102 | 0xFB | 0xFD | 0xFE
    ) || ptype & 0x1000 != 0
}

/// Reads a property context: every property of a message, folder or attachment node.
pub fn property_context(r: &ValueReader<'_, '_>) -> Result<Vec<RawProp>, ExtractError> {
    if r.heap.client != CLIENT_PC {
        return Err(corrupt(format!(
            "expected a property context, found heap type {:#x}",
            r.heap.client
        )));
    }
    let (records, data_len) = r.heap.bth(r.heap.user_root)?;
    if data_len != 6 {
        return Err(corrupt("property context records are not 6 bytes"));
    }
    Ok(records
        .into_iter()
        .map(|(key, d)| {
            let ptype = le(d, 0, 2) as u16;
            let raw = le(d, 2, 4) as u32;
            let inline = matches!(ptype, 0x02 | 0x03 | 0x04 | 0x0A | 0x0B);
            let value = if inline {
                Ok(raw.to_le_bytes().to_vec())
            } else {
                r.bytes(raw).map_err(|e| e.to_string())
            };
            RawProp {
                id: key as u16,
                ptype,
                value,
            }
        })
        .collect())
}

/// One row of a table context.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The row id (for hierarchy, contents and attachment tables: the node id of the item).
    pub id: u32,
    /// The cells present in the row.
    pub cells: Vec<RawProp>,
}

/// A column descriptor (TCOLDESC).
struct Column {
    id: u16,
    ptype: u16,
    offset: usize,
    len: usize,
    bit: usize,
}

/// Reads a table context: its rows in row-matrix order. `with_cells` false reads only row ids.
pub fn table_context(r: &ValueReader<'_, '_>, with_cells: bool) -> Result<Vec<Row>, ExtractError> {
    let heap = r.heap;
    if heap.client != CLIENT_TC {
        return Err(corrupt(format!(
            "expected a table, found heap type {:#x}",
            heap.client
        )));
    }
    let info = heap.item(heap.user_root)?;
    if info.len() < 22 || info[0] != CLIENT_TC || info.len() < 22 + 8 * info[1] as usize {
        return Err(corrupt("table header (TCINFO) is malformed"));
    }
    let columns: Vec<Column> = (0..info[1] as usize)
        .map(|i| {
            let d = &info[22 + 8 * i..30 + 8 * i];
            Column {
                ptype: le(d, 0, 2) as u16,
                id: le(d, 2, 2) as u16,
                offset: le(d, 4, 2) as usize,
                len: d[6] as usize,
                bit: d[7] as usize,
            }
        })
        .collect();
    let ceb_at = le(info, 6, 2) as usize;
    let row_len = le(info, 8, 2) as usize;
    let (index, _) = heap.bth(le(info, 10, 4) as u32)?;
    let rows_hnid = le(info, 14, 4) as u32;
    if index.is_empty() {
        return Ok(Vec::new());
    }
    if row_len < 4 || ceb_at > row_len {
        return Err(corrupt("table row size is malformed"));
    }
    // The row matrix: a heap item, or a subnode whose blocks each hold whole rows.
    let blocks: Vec<Vec<u8>> = if rows_hnid & 0x1F == 0 {
        vec![heap.item(rows_hnid)?.to_vec()]
    } else {
        let node = r
            .subnodes
            .get(&rows_hnid)
            .ok_or_else(|| corrupt(format!("table rows subnode {rows_hnid:#x} is missing")))?;
        r.ndb.data_blocks(node.data, r.limit)?
    };
    let per_block = (blocks.first().map_or(0, Vec::len) / row_len).max(1);
    let mut positions: Vec<u64> = index
        .iter()
        .map(|(_, d)| le(d, 0, d.len().min(4)))
        .collect();
    positions.sort_unstable();
    positions.dedup();
    positions
        .into_iter()
        .map(|pos| {
            let pos = pos as usize;
            let row = blocks
                .get(pos / per_block)
                .and_then(|b| b.get((pos % per_block) * row_len..(pos % per_block + 1) * row_len))
                .ok_or_else(|| corrupt(format!("table row {pos} lies outside the row data")))?;
            let cells = if with_cells {
                row_cells(r, &columns, row, ceb_at)
            } else {
                Vec::new()
            };
            Ok(Row {
                id: le(row, 0, 4) as u32,
                cells,
            })
        })
        .collect()
}

fn row_cells(
    r: &ValueReader<'_, '_>,
    columns: &[Column],
    row: &[u8],
    ceb_at: usize,
) -> Vec<RawProp> {
    columns
        .iter()
        .filter(|c| {
            row.get(ceb_at + c.bit / 8)
                .is_some_and(|b| b & (0x80 >> (c.bit % 8)) != 0)
        })
        .filter_map(|c| {
            let cell = row.get(c.offset..c.offset + c.len)?;
            let value = if is_variable(c.ptype) && c.len == 4 {
                r.bytes(le(cell, 0, 4) as u32).map_err(|e| e.to_string())
            } else {
                Ok(cell.to_vec())
            };
            Some(RawProp {
                id: c.id,
                ptype: c.ptype,
                value,
            })
        })
        .collect()
}
