import * as Y from 'yjs';

/** A decoded Yjs update, as `Y.decodeUpdate` returns it. */
type DecodedUpdate = ReturnType<typeof Y.decodeUpdate>;

/** A struct's or a deletion's id, for messages. */
const idText = (client: number, clock: number): string => `${client}:${clock}`;

/**
 * The first thing `decoded` depends on that neither `doc` nor the update itself holds, or null
 * when the update can be integrated at once. Yjs keeps an update with a missing dependency
 * pending and integrates it silently whenever the dependency arrives, so judging such an update
 * when it arrives would judge nothing: it could insert text into a document locked later,
 * delete characters typed after it, or grow the document past its limit unseen. Updates from
 * participants are therefore taken only when complete; an honest client's updates always are
 * (its own are sent in order over one socket, and the sync exchange sends whatever the server
 * lacks).
 *
 * Mirrors the checks Yjs makes while integrating (`Item.getMissing` and the delete set's
 * "unapplied" ranges): a struct must continue its client's clock without a gap, the items it is
 * placed next to (`origin`, `rightOrigin`) and its parent item must exist, and every deleted
 * range must lie within what exists.
 */
export function missingDependency(doc: Y.Doc, decoded: DecodedUpdate): string | null {
  const store = doc.store;
  // How far each client's structs reach once this update is integrated (contiguous runs only).
  const reach = new Map<number, number>();
  const known = (client: number): number => reach.get(client) ?? Y.getState(store, client);
  for (const struct of decoded.structs) {
    const { client, clock } = struct.id;
    if (struct instanceof Y.Skip) return `a gap in client ${client}'s changes at ${idText(client, clock)}`;
    const have = known(client);
    if (clock > have) return `${idText(client, clock)} follows ${idText(client, have)}, which the server does not have`;
    reach.set(client, Math.max(have, clock + struct.length));
  }
  const exists = (id: Y.ID): boolean => id.clock < known(id.client);
  for (const struct of decoded.structs) {
    if (!(struct instanceof Y.Item)) continue;
    if (struct.origin && !exists(struct.origin)) return `it is placed after ${idText(struct.origin.client, struct.origin.clock)}, which does not exist`;
    if (struct.rightOrigin && !exists(struct.rightOrigin)) {
      return `it is placed before ${idText(struct.rightOrigin.client, struct.rightOrigin.clock)}, which does not exist`;
    }
    const parent: unknown = struct.parent;
    if (parent instanceof Y.ID && !exists(parent)) return `its parent ${idText(parent.client, parent.clock)} does not exist`;
  }
  for (const [client, ranges] of decoded.ds.clients) {
    const have = known(client);
    for (const range of ranges) {
      if (range.clock + range.len > have) return `it deletes ${idText(client, range.clock)}..${range.clock + range.len}, which does not exist`;
    }
  }
  return null;
}
