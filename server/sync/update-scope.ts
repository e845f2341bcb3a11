import * as Y from 'yjs';
import { CODE_TEXT, LANGUAGE_KEY, META_MAP } from '../../shared/schema.js';

/** A decoded Yjs update, as `Y.decodeUpdate` returns it. */
type DecodedUpdate = ReturnType<typeof Y.decodeUpdate>;

/**
 * Where a change lands in the document: under the root type `root`, in the entry `key` of it
 * (the map key of the root's direct child the change is in or under; null for a list or text),
 * `depth` levels below that child (0: the change is a direct child of the root).
 */
export interface ChangePlace {
  root: string;
  key: string | null;
  depth: number;
}

/** What a participant's Yjs update may change: the code, and the session's language. */
export function participantMayChange(place: ChangePlace): boolean {
  if (place.depth !== 0) return false;
  return (place.root === CODE_TEXT && place.key === null) || (place.root === META_MAP && place.key === LANGUAGE_KEY);
}

/** `code`, `meta.language`, `runs (inside it)`: a place for messages; root names are the client's, so quoted when odd. */
export function placeText(place: ChangePlace): string {
  const name = (text: string): string => (/^[A-Za-z][\w-]{0,39}$/.test(text) ? text : JSON.stringify(text.slice(0, 40)));
  return `${name(place.root)}${place.key === null ? '' : `.${name(place.key)}`}${place.depth > 0 ? ' (inside it)' : ''}`;
}

/** A struct that integrates as garbage (`Y.GC`): it changes nothing. */
const NOTHING = 'nothing';

/** Marks a struct whose place is being resolved (a reference back to it is a cycle). */
const RESOLVING = 'resolving';

/** A struct of the update that must be resolved before the one asking. */
class Need {
  constructor(readonly struct: Y.Item) {}
}

/** Thrown while resolving: the update cannot be integrated the way it claims (Yjs would throw half-way, or corrupt a list). */
class Unresolvable extends Error {}

/** A struct or item id, for messages. */
const idText = (id: Y.ID): string => `${id.client}:${id.clock}`;

/**
 * Every place `decoded` would change if applied to `doc` (whose store holds everything the update
 * depends on: `missingDependency` comes first), resolved the way Yjs integrates it
 * (`Item.getMissing`, `Item.integrate`, `readAndApplyDeleteSet`), or a sentence saying why the
 * update cannot be resolved. Refusing what does not resolve is safe: Yjs itself would throw half
 * way through such an update, leaving part of it applied.
 *
 * An item names its parent as a root name, as the id of the item holding its parent type, or not
 * at all when it has an `origin` or `rightOrigin`: it then goes where that neighbour is (which may
 * be in the document or earlier in the same update), and becomes garbage (changing nothing) when
 * a neighbour or its parent item is garbage. A struct that starts below what the document has of
 * its client integrates only its new part, placed after the document's own last item of that
 * client rather than after its declared origin: both must be in the same place, or the new part
 * would join the list of one type while counted in another (a forged run output chunk declared
 * as code). A deletion changes the place of every item it deletes that was not deleted yet.
 */
export function changePlaces(doc: Y.Doc, decoded: DecodedUpdate): ChangePlace[] | string {
  try {
    return new Resolver(doc, decoded).places();
  } catch (error) {
    if (error instanceof Unresolvable) return error.message;
    throw error;
  }
}

/**
 * The first change in `decoded` a participant may not make (see `participantMayChange`), as a
 * sentence, or null when the update changes only the code and the language.
 */
export function forbiddenChange(doc: Y.Doc, decoded: DecodedUpdate): string | null {
  const places = changePlaces(doc, decoded);
  if (typeof places === 'string') return places;
  const forbidden = places.find((place) => !participantMayChange(place));
  return forbidden ? `it changes ${placeText(forbidden)}; participants may change only the code and the language` : null;
}

type Struct = Y.Item | Y.GC | Y.Skip;
type Resolved = ChangePlace | typeof NOTHING;

/** One resolution of one update against one document. */
class Resolver {
  private readonly store: Y.Doc['store'];
  /** The update's structs by client, in clock order. */
  private readonly byClient = new Map<number, Struct[]>();
  private readonly resolved = new Map<Struct, Resolved | typeof RESOLVING>();

  constructor(
    private readonly doc: Y.Doc,
    private readonly decoded: DecodedUpdate,
  ) {
    this.store = doc.store;
    for (const struct of decoded.structs) {
      const list = this.byClient.get(struct.id.client);
      if (!list) this.byClient.set(struct.id.client, [struct]);
      else {
        const last = list[list.length - 1]!;
        if (struct.id.clock < last.id.clock + last.length) throw new Unresolvable(`it holds ${idText(struct.id)} twice`);
        list.push(struct);
      }
    }
  }

  places(): ChangePlace[] {
    // Few places per update (one, for a keystroke): a list beats a map keyed by an encoding of them.
    const found: ChangePlace[] = [];
    const add = (place: Resolved): void => {
      if (place !== NOTHING && !found.some((other) => samePlace(other, place))) found.push(place);
    };
    for (const struct of this.decoded.structs) {
      const have = this.have(struct.id.client);
      // Yjs still looks up the references of a struct it already has: they must resolve.
      const place = this.resolve(struct);
      if (struct.id.clock + struct.length <= have) continue;
      if (struct.id.clock < have && place !== NOTHING) {
        // Only the part past `have` is new, and it goes after the document's own item at have - 1.
        const left = this.storeStruct(Y.createID(struct.id.client, have - 1));
        const placed = left instanceof Y.Item ? this.storePlace(left) : NOTHING;
        if (placed === NOTHING || !samePlace(placed, place)) {
          throw new Unresolvable(`${idText(struct.id)} continues ${idText(left.id)} somewhere else`);
        }
      }
      add(place);
    }
    for (const [client, ranges] of this.decoded.ds.clients) {
      const have = this.have(client);
      for (const { clock, len } of ranges) {
        if (clock < have) this.deletedInStore(client, clock, Math.min(clock + len, have), add);
        if (clock + len <= have) continue;
        const structs = this.byClient.get(client) ?? [];
        for (let index = indexAt(structs, Math.max(clock, have)); index < structs.length && structs[index]!.id.clock < clock + len; index++) {
          add(this.resolve(structs[index]!));
        }
      }
    }
    return found;
  }

  /** How far the document has `client`'s changes. */
  private have(client: number): number {
    return Y.getState(this.store, client);
  }

  /** The places of the items of the document in `client`'s clocks [from, to) that are not deleted yet. */
  private deletedInStore(client: number, from: number, to: number, add: (place: Resolved) => void): void {
    const structs = this.store.clients.get(client) ?? [];
    for (let index = Y.findIndexSS(structs, from); index < structs.length; index++) {
      const struct = structs[index]!;
      if (struct.id.clock >= to) break;
      if (struct instanceof Y.Item && !struct.deleted) add(this.storePlace(struct));
    }
  }

  /** The document's struct holding `id` (the caller checked it is below the document's state). */
  private storeStruct(id: Y.ID): Y.Item | Y.GC {
    return Y.getItem(this.store, id) as Y.Item | Y.GC;
  }

  /** The place of an item integrated in the document: up through the types holding it to a root. */
  private storePlace(item: Y.Item): Resolved {
    let depth = 0;
    let current = item;
    for (;;) {
      const parent = current.parent as Y.AbstractType<any> | null;
      if (!parent) return NOTHING;
      if (parent._item === null) {
        const root = this.rootName(parent);
        if (root === undefined) throw new Unresolvable(`${idText(item.id)} is in a type the document does not name`);
        return { root, key: current.parentSub, depth };
      }
      current = parent._item;
      depth++;
    }
  }

  /** The name of a root type (a document has a handful). */
  private rootName(type: Y.AbstractType<any>): string | undefined {
    for (const [name, root] of this.doc.share) if (root === type) return name;
    return undefined;
  }

  /**
   * The struct holding `id` as Yjs finds it when integrating `by`: the document's, below its
   * state, else the update's (which must come before `by` when both are of one client).
   */
  private lookup(id: Y.ID, by: Struct): { struct: Y.Item | Y.GC; inStore: boolean } {
    if (id.clock < this.have(id.client)) return { struct: this.storeStruct(id), inStore: true };
    const structs = this.byClient.get(id.client) ?? [];
    const struct = structs[indexAt(structs, id.clock)];
    if (!struct || struct.id.clock > id.clock || struct instanceof Y.Skip || (id.client === by.id.client && struct.id.clock >= by.id.clock)) {
      throw new Unresolvable(`${idText(by.id)} refers to ${idText(id)}, which is not there before it`);
    }
    return { struct, inStore: false };
  }

  /**
   * Where the update's struct `start` integrates (Item.getMissing, then Item.integrate). Its
   * neighbours and parent in the update are resolved first, with a stack rather than recursion:
   * a chain of items each placed after the next is as long as the update.
   */
  private resolve(start: Struct): Resolved {
    const stack = [start];
    while (stack.length > 0) {
      const struct = stack[stack.length - 1]!;
      const known = this.resolved.get(struct);
      if (known !== undefined && known !== RESOLVING) {
        stack.pop();
        continue;
      }
      const step = struct instanceof Y.Item ? this.integratedPlace(struct) : NOTHING;
      if (step instanceof Need) {
        if (this.resolved.get(step.struct) === RESOLVING) throw new Unresolvable(`${idText(struct.id)} depends on itself`);
        this.resolved.set(struct, RESOLVING);
        stack.push(step.struct);
        continue;
      }
      this.resolved.set(struct, step);
      stack.pop();
    }
    return this.resolved.get(start) as Resolved;
  }

  /** The place of a neighbour or parent item (garbage changes nothing), or the update's item to resolve first. */
  private placeOf({ struct, inStore }: { struct: Y.Item | Y.GC; inStore: boolean }): Resolved | Need {
    if (struct instanceof Y.GC) return NOTHING;
    if (inStore) return this.storePlace(struct);
    const known = this.resolved.get(struct);
    return known === undefined || known === RESOLVING ? new Need(struct) : known;
  }

  /** Where `item` integrates, once what it refers to in the update is resolved (else that). */
  private integratedPlace(item: Y.Item): Resolved | Need {
    const left = item.origin ? this.placeOf(this.lookup(item.origin, item)) : null;
    if (left instanceof Need) return left;
    const right = item.rightOrigin ? this.placeOf(this.lookup(item.rightOrigin, item)) : null;
    if (right instanceof Need) return right;
    // A neighbour that is (or integrates as) garbage makes the item garbage too.
    if (left === NOTHING || right === NOTHING) return NOTHING;
    if (left) return left;
    if (right) return right;
    const parent: unknown = item.parent;
    if (typeof parent === 'string') return { root: parent, key: item.parentSub, depth: 0 };
    if (!(parent instanceof Y.ID)) return NOTHING;
    const holder = this.lookup(parent, item);
    // The parent is the type inside the item `parent` names; anything else integrates as garbage.
    if (!(holder.struct instanceof Y.Item) || !(holder.struct.content instanceof Y.ContentType)) return NOTHING;
    const place = this.placeOf(holder);
    return place instanceof Need || place === NOTHING ? place : { ...place, depth: place.depth + 1 };
  }
}

/** The index of the struct of `structs` (one client's, in clock order) holding `clock`, else of the first after it. */
function indexAt(structs: readonly Struct[], clock: number): number {
  let low = 0;
  let high = structs.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const struct = structs[middle]!;
    if (struct.id.clock + struct.length <= clock) low = middle + 1;
    else high = middle;
  }
  return low;
}

function samePlace(a: ChangePlace, b: ChangePlace): boolean {
  return a.root === b.root && a.key === b.key && a.depth === b.depth;
}
