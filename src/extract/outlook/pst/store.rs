//! The messaging layer ([MS-PST] 2.4): folders, their contents, messages, recipients and
//! attachments (embedded messages included), read into the shared model.

use std::collections::{HashMap, HashSet};

use super::ltp::{property_context, table_context, Heap, RawProp, Row, ValueReader};
use super::ndb::{le, Ndb, Node, Subnodes};
use super::props;
use crate::extract::outlook::model::{prop, ptype, AttachmentContent, MapiAttachment, MapiMessage};
use crate::extract::ExtractError;
use crate::location::Step;

/// Special node ids ([MS-PST] 2.4.1).
const NID_MESSAGE_STORE: u32 = 0x21;
const NID_ROOT_FOLDER: u32 = 0x122;
const NID_NAME_TO_ID_MAP: u32 = 0x61;
/// PidTagNameidStreamEntry: the name-to-id map's records.
const PID_NAMEID_STREAM_ENTRY: u16 = 0x0003;
const NID_RECIPIENT_TABLE: u32 = 0x692;
const NID_ATTACHMENT_TABLE: u32 = 0x671;
/// Node types (low 5 bits of a node id) of a folder's tables.
const NID_TYPE_HIERARCHY_TABLE: u32 = 0x0D;
const NID_TYPE_CONTENTS_TABLE: u32 = 0x0E;
/// Node type of a message.
const NID_TYPE_NORMAL_MESSAGE: u32 = 0x04;
/// The folder path given to messages whose folder is unknown.
const UNLISTED: &str = "(not in any folder)";
/// PR_IPM_SUBTREE_ENTRYID: the entry id of the folder shown as the top of the mailbox.
const PR_IPM_SUBTREE_ENTRYID: u16 = 0x35E0;
/// The name of the IPM subtree in offline stores.
const IPM_SUBTREE_NAME: &str = "IPM_SUBTREE";
/// PR_ATTACH_METHOD value of an embedded message.
const ATTACH_EMBEDDED_MESSAGE: i64 = 5;
/// Deepest folder nesting followed.
const MAX_FOLDER_DEPTH: usize = 64;

/// A message store opened for reading.
pub struct Store<'a> {
    ndb: Ndb<'a>,
    /// Largest single value (body, attachment) read into memory.
    limit: u64,
    /// Deepest nesting of embedded messages followed.
    max_embedding: usize,
    /// Named properties with string names, which are not read.
    string_named: HashSet<u16>,
}

/// What the folder walk meets, in order.
pub enum Visit<'v> {
    /// A message (or contact, appointment …) of folder `folder`, or why it could not be read.
    Message {
        /// Folder path inside the store, e.g. `Inbox/Jobbsøknader`.
        folder: &'v str,
        /// The message.
        message: Result<MapiMessage, ExtractError>,
    },
    /// A folder whose contents or subfolders could not be listed.
    FolderError {
        /// Folder path inside the store.
        folder: &'v str,
        /// Why.
        error: ExtractError,
    },
}

/// What the folder walk has seen: folder paths by node id, and the messages listed.
#[derive(Default)]
struct Walked {
    folders: HashMap<u32, String>,
    messages: HashSet<u32>,
}

/// A node's properties with the subnodes its values and tables live in.
struct Item {
    props: Vec<RawProp>,
    subnodes: Subnodes,
}

fn corrupt(m: impl Into<String>) -> ExtractError {
    ExtractError::Corrupt(m.into())
}

impl<'a> Store<'a> {
    /// A store over `ndb`; values larger than `limit` bytes and embedded messages nested deeper
    /// than `max_embedding` are reported, not read.
    pub fn new(ndb: Ndb<'a>, limit: u64, max_embedding: usize) -> Self {
        let mut store = Store {
            ndb,
            limit,
            max_embedding,
            string_named: HashSet::new(),
        };
        store.string_named = store.string_named_ids();
        store
    }

    /// The ids of named properties named by a string rather than a number: Exchange
    /// bookkeeping (full of message ids), left out as the .msg reader leaves them out. Read from
    /// the name-to-id map's entry stream ([MS-PST] 2.4.7): 8-byte records whose `wGuid` has
    /// its low bit set for string names, and whose `wPropIdx` gives the id (0x8000 + index).
    fn string_named_ids(&self) -> HashSet<u16> {
        let entries = self
            .top_node(NID_NAME_TO_ID_MAP)
            .and_then(|n| self.item(&n))
            .ok()
            .and_then(|item| {
                let p = item
                    .props
                    .into_iter()
                    .find(|p| p.id == PID_NAMEID_STREAM_ENTRY)?;
                p.value.ok()
            })
            .unwrap_or_default();
        entries
            .chunks_exact(8)
            .filter(|r| le(r, 4, 2) & 1 == 1)
            .map(|r| 0x8000u16.wrapping_add(le(r, 6, 2) as u16))
            .collect()
    }

    fn heap(&self, node: &Node) -> Result<(Heap, Subnodes), ExtractError> {
        let subnodes = self.ndb.subnodes(node.sub)?;
        let heap = Heap::new(self.ndb.data_blocks(node.data, self.limit)?)?;
        Ok((heap, subnodes))
    }

    fn item(&self, node: &Node) -> Result<Item, ExtractError> {
        let (heap, subnodes) = self.heap(node)?;
        let mut props = property_context(&self.reader(&heap, &subnodes))?;
        props.retain(|p| !self.string_named.contains(&p.id));
        Ok(Item { props, subnodes })
    }

    fn table(&self, node: &Node, with_cells: bool) -> Result<Vec<Row>, ExtractError> {
        let (heap, subnodes) = self.heap(node)?;
        table_context(&self.reader(&heap, &subnodes), with_cells)
    }

    fn reader<'r>(&'r self, heap: &'r Heap, subnodes: &'r Subnodes) -> ValueReader<'r, 'a> {
        ValueReader {
            ndb: &self.ndb,
            heap,
            subnodes,
            limit: self.limit,
        }
    }

    fn top_node(&self, nid: u32) -> Result<Node, ExtractError> {
        self.ndb
            .node(nid)?
            .ok_or_else(|| corrupt(format!("node {nid:#x} is not in the node B-tree")))
    }

    /// Walks the folders depth-first from the root folder, in hierarchy-table order, handing
    /// every message of every folder to `visit`; then the messages no contents table lists.
    pub fn walk(&self, visit: &mut dyn FnMut(Visit<'_>)) -> Result<(), ExtractError> {
        let root = self.top_node(NID_ROOT_FOLDER)?;
        self.item(&root)?;
        let mut walked = Walked::default();
        self.walk_folder(
            NID_ROOT_FOLDER,
            "",
            self.ipm_subtree(),
            0,
            &mut walked,
            visit,
        );
        self.unlisted_messages(&walked, visit);
        Ok(())
    }

    /// The node id of the IPM subtree ("Top of Personal Folders"), which starts the folder
    /// paths.
    fn ipm_subtree(&self) -> Option<u32> {
        let store = self.item(&self.top_node(NID_MESSAGE_STORE).ok()?).ok()?;
        let entry = store
            .props
            .iter()
            .find(|p| p.id == PR_IPM_SUBTREE_ENTRYID)?;
        let bytes = entry.value.as_ref().ok()?;
        // ENTRYID: flags (4), provider uid (16), node id (4).
        (bytes.len() >= 24).then(|| le(bytes, 20, 4) as u32)
    }

    fn walk_folder(
        &self,
        nid: u32,
        path: &str,
        ipm: Option<u32>,
        depth: usize,
        walked: &mut Walked,
        visit: &mut dyn FnMut(Visit<'_>),
    ) {
        walked.folders.insert(nid, path.to_string());
        let table_nid = |t: u32| (nid & !0x1F) | t;
        match self.rows(table_nid(NID_TYPE_CONTENTS_TABLE)) {
            Ok(rows) => {
                for row in rows {
                    if !walked.messages.insert(row.id) {
                        continue;
                    }
                    let message = self.top_node(row.id).and_then(|n| self.message(&n, 0));
                    visit(Visit::Message {
                        folder: path,
                        message,
                    });
                }
            }
            Err(error) => visit(Visit::FolderError {
                folder: path,
                error,
            }),
        }
        let children = match self.rows(table_nid(NID_TYPE_HIERARCHY_TABLE)) {
            Ok(rows) => rows,
            Err(error) => {
                visit(Visit::FolderError {
                    folder: path,
                    error,
                });
                return;
            }
        };
        for child in children {
            if walked.folders.contains_key(&child.id) {
                continue;
            }
            let name = self
                .top_node(child.id)
                .and_then(|n| self.item(&n))
                .map(|item| folder_name(&item.props));
            // The IPM subtree starts the paths users see ("Inbox", not "Root - Mailbox/
            // IPM_SUBTREE/Inbox"); offline stores name it IPM_SUBTREE but do not point to it.
            let is_ipm =
                Some(child.id) == ipm || name.as_ref().is_ok_and(|n| n == IPM_SUBTREE_NAME);
            let child_path = match (&name, is_ipm) {
                (_, true) => String::new(),
                (Ok(name), false) if path.is_empty() => name.clone(),
                (Ok(name), false) => format!("{path}/{name}"),
                (Err(_), false) => format!("{path}/folder {:#x}", child.id),
            };
            if let Err(error) = name {
                visit(Visit::FolderError {
                    folder: &child_path,
                    error,
                });
            }
            if depth + 1 >= MAX_FOLDER_DEPTH {
                visit(Visit::FolderError {
                    folder: &child_path,
                    error: ExtractError::Limit(format!(
                        "folders nested deeper than {MAX_FOLDER_DEPTH} levels"
                    )),
                });
                continue;
            }
            self.walk_folder(child.id, &child_path, ipm, depth + 1, walked, visit);
        }
    }

    /// Messages in the node B-tree that no contents table lists (a damaged table, or items
    /// Outlook no longer shows): read too, in the folder their node names as parent.
    fn unlisted_messages(&self, walked: &Walked, visit: &mut dyn FnMut(Visit<'_>)) {
        let mut unlisted = Vec::new();
        let listed = self.ndb.for_each_node(&mut |node, parent| {
            if node.nid & 0x1F == NID_TYPE_NORMAL_MESSAGE && !walked.messages.contains(&node.nid) {
                unlisted.push((node, parent));
            }
        });
        for (node, parent) in unlisted {
            let folder = walked.folders.get(&parent).map_or(UNLISTED, String::as_str);
            visit(Visit::Message {
                folder,
                message: self.message(&node, 0),
            });
        }
        if let Err(error) = listed {
            visit(Visit::FolderError {
                folder: UNLISTED,
                error,
            });
        }
    }

    /// The rows of the table node `nid` (row ids only); no rows when the folder has no such
    /// table.
    fn rows(&self, nid: u32) -> Result<Vec<Row>, ExtractError> {
        match self.ndb.node(nid)? {
            Some(node) => self.table(&node, false),
            None => Ok(Vec::new()),
        }
    }

    /// Reads the message (or other item) stored in `node`; `depth` counts enclosing messages.
    pub fn message(&self, node: &Node, depth: usize) -> Result<MapiMessage, ExtractError> {
        let item = self.item(node)?;
        let cp = props::code_page(&item.props);
        let mut msg = MapiMessage::default();
        let (bag, errors) = props::bag(&item.props, cp, &[]);
        msg.props = bag;
        msg.errors
            .extend(errors.into_iter().map(|(id, e)| (property_step(id), e)));
        let part = |name: &str| Some(Step::Part { name: name.into() });
        if let Some(table) = item.subnodes.get(&NID_RECIPIENT_TABLE) {
            match self.table(table, true) {
                Ok(rows) => {
                    for row in rows {
                        let (bag, errors) = props::bag(&row.cells, cp, &[]);
                        msg.recipients.push(bag);
                        msg.errors.extend(errors.into_iter().map(|(id, e)| {
                            (part("recipients"), format!("property {id:#06x}: {e}"))
                        }));
                    }
                }
                Err(e) => msg.errors.push((part("recipients"), e.to_string())),
            }
        }
        if let Some(table) = item.subnodes.get(&NID_ATTACHMENT_TABLE) {
            match self.table(table, false) {
                Ok(rows) => {
                    for row in rows {
                        msg.attachments
                            .push(self.attachment(&item.subnodes, row.id, cp, depth));
                    }
                }
                Err(e) => msg.errors.push((part("attachments"), e.to_string())),
            }
        }
        Ok(msg)
    }

    fn attachment(&self, subnodes: &Subnodes, nid: u32, cp: u32, depth: usize) -> MapiAttachment {
        let unreadable = |e: String| MapiAttachment {
            props: Default::default(),
            content: AttachmentContent::Unreadable(e),
        };
        let Some(node) = subnodes.get(&nid) else {
            return unreadable(format!("attachment node {nid:#x} is missing"));
        };
        let item = match self.item(node) {
            Ok(item) => item,
            Err(e) => return unreadable(e.to_string()),
        };
        let (bag, _) = props::bag(&item.props, cp, &[prop::ATTACH_DATA_BIN]);
        let content = match item.props.iter().find(|p| p.id == prop::ATTACH_DATA_BIN) {
            None => AttachmentContent::Missing,
            Some(RawProp { value: Err(e), .. }) => AttachmentContent::Unreadable(e.clone()),
            Some(RawProp {
                ptype: ptype::OBJECT,
                value: Ok(object),
                ..
            }) => self.object(&item.subnodes, object, bag.int(prop::ATTACH_METHOD), depth),
            Some(RawProp {
                value: Ok(data), ..
            }) => AttachmentContent::Data(data.clone()),
        };
        MapiAttachment {
            props: bag,
            content,
        }
    }

    /// The content of a PT_OBJECT attachment: an embedded message, or the bytes of an OLE
    /// object. `object` is the stored value: the subnode id, then the size.
    fn object(
        &self,
        subnodes: &Subnodes,
        object: &[u8],
        method: Option<i64>,
        depth: usize,
    ) -> AttachmentContent {
        let nid = le(object, 0, 4) as u32;
        let Some(node) = subnodes.get(&nid) else {
            return AttachmentContent::Unreadable(format!("attached object {nid:#x} is missing"));
        };
        let result = if method == Some(ATTACH_EMBEDDED_MESSAGE) {
            if depth + 1 > self.max_embedding {
                return AttachmentContent::Unreadable(format!(
                    "messages embedded more than {} levels deep",
                    self.max_embedding
                ));
            }
            self.message(node, depth + 1)
                .map(|m| AttachmentContent::Message(Box::new(m)))
        } else {
            self.ndb
                .data(node.data, self.limit)
                .map(AttachmentContent::Data)
        };
        result.unwrap_or_else(|e| AttachmentContent::Unreadable(e.to_string()))
    }
}

/// The display name of a folder.
fn folder_name(props: &[RawProp]) -> String {
    let (bag, _) = props::bag(props, props::code_page(props), &[]);
    bag.str(prop::DISPLAY_NAME).unwrap_or("").to_string()
}

/// Where a property that could not be read is reported.
fn property_step(id: u16) -> Option<Step> {
    Some(Step::Part {
        name: format!("property {id:#06x}"),
    })
}
