/**
 * E.164 prefixes in a digit trie (the route table's prefix routes, the networks file's number ranges): built once,
 * a lookup walks the number's digits without allocating and answers the value of the longest prefix it starts with.
 */
interface TrieNode<T> {
  /** Children by digit 0–9. */
  next: (TrieNode<T> | undefined)[];
  /** The value of the prefix ending at this node, if one does. */
  value: T | undefined;
}

const zero = 0x30;

export class PrefixTrie<T> {
  readonly #root: TrieNode<T> = newNode();

  /**
   * Adds `prefix` ("+" and digits) with its value; answers the value it already had (and keeps it), else undefined.
   * @throws when the prefix is not "+" and digits
   */
  add(prefix: string, value: T): T | undefined {
    let node = this.#root;
    for (let index = 1; index < prefix.length; index++) {
      const digit = prefix.charCodeAt(index) - zero;
      if (!(digit >= 0 && digit <= 9)) throw new Error(`prefix ${prefix} is not "+" and digits`);
      let child = node.next[digit];
      if (child === undefined) node.next[digit] = child = newNode();
      node = child;
    }
    if (node.value !== undefined) return node.value;
    node.value = value;
    return undefined;
  }

  /** The value of the longest prefix `e164` starts with; undefined when none. */
  longest(e164: string): T | undefined {
    let node: TrieNode<T> | undefined = this.#root;
    let longest: T | undefined;
    // Index 0 is the "+".
    for (let index = 1; index < e164.length; index++) {
      node = node.next[e164.charCodeAt(index) - zero];
      if (node === undefined) break;
      if (node.value !== undefined) longest = node.value;
    }
    return longest;
  }
}

function newNode<T>(): TrieNode<T> {
  return { next: new Array<TrieNode<T> | undefined>(10).fill(undefined), value: undefined };
}
