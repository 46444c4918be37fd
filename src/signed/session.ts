// CryptoSession: the crypto-sessions peer-to-peer API (encode/decode, sign/verify, encrypt/decrypt)
// over our primitives. The secret key lives in a #private field holding only closures; nothing on
// the instance, in JSON or in util.inspect output reveals it.
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes } from '@noble/hashes/utils.js';
import { TokenInvalidError } from '../core/errors.js';
import { fromBase64Url, fromUtf8, toBase64Url, utf8 } from '../internal/base64.js';
import {
  checkSecretKeyShape,
  createEphemeral,
  createVerifier,
  dhPublicOf,
  type KeyAlgorithm,
  loadSecretKey,
  type OwnKey,
  type PublicKey,
  type PublicKeyInput,
  parsePublicKey,
  RFC_ALG,
  type SecretKeyInput,
  type VerifyFn,
} from './keys.js';
import { agreementKey, LABEL, messageKey, openBody, reviveData, sealBody } from './seal.js';

/**
 * The signature token of an encoded message, shaped like crypto-sessions' `Token`: `encoded` is
 * the text to send (`1.<sender key id>.<base64url signature>`); `String(token)` gives the same.
 *
 * @example
 * ```ts
 * const { token, data } = await session.encode({ hello: 'peer' });
 * res.setHeader('authorization', token.encoded);
 * ```
 */
export interface MessageToken {
  /** The token text: `1.<sender key id>.<signature>`; the signature covers the digest of the payload. */
  readonly encoded: string;
  /** The sender's public key (canonical text). */
  readonly pubkey: string;
  /** Whether `key` (canonical text) sent this message. */
  issuedBy(key: string): boolean;
  toString(): string;
  toJSON(): string;
}

/**
 * What {@link CryptoSession.encode} returns, as crypto-sessions does: `{ token, data }` with
 * `token.encoded`; `payload` is the same text as `data` (this package's earlier name).
 *
 * @example
 * ```ts
 * const { token, data }: EncodedData = await session.encode({ hello: 'peer' });
 * await peer.decode(token, data); // or decode(token.encoded, data)
 * ```
 */
export interface EncodedData {
  token: MessageToken;
  /** base64url of version ‖ ephemeral key ‖ nonce ‖ ciphertext. */
  data: string;
  /** Alias of `data`. */
  payload: string;
}

function messageToken(encoded: string, pubkey: string): MessageToken {
  return Object.freeze({
    encoded,
    pubkey,
    issuedBy: (key: string) => key === pubkey,
    toString: () => encoded,
    toJSON: () => encoded,
  });
}

/**
 * What {@link CryptoSession.decode} returns. `data` is undefined whenever `isValid` is false.
 *
 * @example
 * ```ts
 * const { data, isValid }: DecodedData = await session.decode(token, payload);
 * if (isValid) use(data);
 * ```
 */
export interface DecodedData {
  data: unknown;
  isValid: boolean;
}

/**
 * Public description of a session's keys and algorithms; contains no secret.
 *
 * @example
 * ```ts
 * const { alg, aead, pubKey }: SessionInfo = (await session.ready).info;
 * ```
 */
export interface SessionInfo {
  readonly alg: KeyAlgorithm;
  readonly peerAlg: KeyAlgorithm;
  readonly pubKey: string;
  readonly peerKey: string;
  readonly signature: string;
  readonly keyAgreement: string;
  readonly kdf: 'HKDF-SHA256';
  readonly aead: 'XChaCha20-Poly1305';
  readonly format: string;
}

const MESSAGE_VERSION = 1;
const SIGN_PREFIX = utf8(`${LABEL} message\n`);
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? utf8(data) : data;
}

function encodeData(data: unknown): { type: string; bytes: Uint8Array } {
  if (typeof data === 'string') return { type: 'text/plain;charset=utf-8', bytes: utf8(data) };
  if (data instanceof Uint8Array) return { type: 'application/octet-stream', bytes: data };
  const json = JSON.stringify(data);
  if (json === undefined)
    throw new TypeError(`data: expected a JSON value, a string or bytes, got a ${typeof data}`);
  return { type: 'application/json', bytes: utf8(json) };
}

function curveName(alg: KeyAlgorithm): string {
  return alg === 'ed25519' ? 'X25519' : alg === 'p256' ? 'ECDH P-256' : 'ECDH secp256k1';
}

/**
 * An end-to-end channel between your key pair and a peer's public key: sign and verify, encrypt to
 * the peer (ephemeral ECDH + HKDF + XChaCha20-Poly1305), and `encode`/`decode` messages that are
 * both. `encode` signs the digest of the ciphertext, so no signature over secret plaintext is
 * published. The secret key is never readable from the instance.
 *
 * @example
 * ```ts
 * const alice = new CryptoSession(bobPublicKey, aliceSecretKey);
 * const { token, data: sealed } = await alice.encode({ hello: 'bob' });
 * // on Bob's side (token.encoded and sealed travel as text):
 * const bob = new CryptoSession(alicePublicKey, bobSecretKey);
 * const { data, isValid } = await bob.decode(token.encoded, sealed);
 * ```
 */
export class CryptoSession {
  /** The peer's public key (canonical text form, also its RFC 9421 key id). */
  readonly peerKey: string;
  readonly #peer: PublicKey;
  readonly #own: Promise<OwnKey>;
  #ownReady: OwnKey | null = null;
  #verifier: Promise<VerifyFn> | null = null;

  constructor(peerPublicKey: PublicKeyInput, ownSecretKey: SecretKeyInput) {
    this.#peer = parsePublicKey(peerPublicKey, 'peerPublicKey');
    checkSecretKeyShape(ownSecretKey, 'ownSecretKey');
    this.peerKey = this.#peer.id;
    this.#own = loadSecretKey(ownSecretKey, 'ownSecretKey').then((k) => {
      this.#ownReady = k;
      return k;
    });
    this.#own.catch(() => {});
  }

  /**
   * Builds a session and waits until its key is imported, so `pubKey` can be read at once.
   *
   * @example
   * ```ts
   * const session = await CryptoSession.create(serverPublicKey, await generateKeyPair('ed25519'));
   * console.log(session.pubKey);
   * ```
   */
  static async create(peerPublicKey: PublicKeyInput, ownSecretKey: SecretKeyInput): Promise<CryptoSession> {
    const s = new CryptoSession(peerPublicKey, ownSecretKey);
    await s.ready;
    return s;
  }

  /** Resolves once the own key is imported (rejects if it cannot be). */
  get ready(): Promise<this> {
    return this.#own.then(() => this);
  }

  /** Our own public key (canonical text). Available once {@link CryptoSession.ready} resolved. */
  get pubKey(): string {
    if (!this.#ownReady)
      throw new TypeError('CryptoSession: pubKey is available after `await session.ready`');
    return this.#ownReady.publicKey.id;
  }

  /** Algorithms and public keys of this session (no secret). Available once ready. */
  get info(): SessionInfo {
    const own = this.#ownReady;
    if (!own) throw new TypeError('CryptoSession: info is available after `await session.ready`');
    return Object.freeze({
      alg: own.alg,
      peerAlg: this.#peer.alg,
      pubKey: own.publicKey.id,
      peerKey: this.#peer.id,
      signature: RFC_ALG[own.alg],
      keyAgreement: `ephemeral ${curveName(this.#peer.alg)} to the peer's static key`,
      kdf: 'HKDF-SHA256',
      aead: 'XChaCha20-Poly1305',
      format: LABEL,
    });
  }

  /** Whether `key` (any accepted spelling) is this session's peer. */
  isWith(key: PublicKeyInput): boolean {
    try {
      return parsePublicKey(key, 'key').id === this.#peer.id;
    } catch {
      return false;
    }
  }

  /** Signs `message` with our key (domain-separated: such a signature is never valid as an HTTP signature). */
  async sign(message: Uint8Array | string): Promise<Uint8Array> {
    const own = await this.#own;
    return own.sign(concatBytes(SIGN_PREFIX, toBytes(message)));
  }

  /** Verifies a {@link CryptoSession.sign} signature made by the peer. Never throws on bad input. */
  async verify(signature: Uint8Array, message: Uint8Array | string): Promise<boolean> {
    if (!(signature instanceof Uint8Array)) return false;
    this.#verifier ??= createVerifier(this.#peer);
    return (await this.#verifier)(concatBytes(SIGN_PREFIX, toBytes(message)), signature);
  }

  /** Encrypts to the peer: a fresh ephemeral key each call, so only the peer's secret key opens it. */
  async encrypt(data: Uint8Array | string): Promise<Uint8Array> {
    return this.#encrypt('application/octet-stream', toBytes(data));
  }

  async #encrypt(type: string, bytes: Uint8Array): Promise<Uint8Array> {
    const eph = await createEphemeral(this.#peer);
    const prk = agreementKey(await eph.derive(), eph.publicKey, dhPublicOf(this.#peer));
    const sealed = sealBody(messageKey(prk, 'c2s', 'message'), type, bytes);
    prk.fill(0);
    return concatBytes(Uint8Array.of(MESSAGE_VERSION, eph.publicKey.length), eph.publicKey, sealed);
  }

  async #decrypt(sealed: Uint8Array): Promise<{ contentType: string; body: Uint8Array } | null> {
    const own = await this.#own;
    if (!own.dh)
      throw new TypeError(
        'CryptoSession: decrypting needs a secret key given as text or bytes, not a CryptoKeyPair',
      );
    if (!(sealed instanceof Uint8Array) || sealed.length < 2 || sealed[0] !== MESSAGE_VERSION) return null;
    const epk = sealed.subarray(2, 2 + sealed[1]!);
    const shared = await own.dh.derive(epk);
    if (!shared) return null;
    const prk = agreementKey(shared, epk, own.dh.publicKey);
    const out = openBody(messageKey(prk, 'c2s', 'message'), sealed.subarray(2 + sealed[1]!));
    prk.fill(0);
    shared.fill(0);
    return out;
  }

  /** Decrypts what the peer's {@link CryptoSession.encrypt} produced; throws `TokenInvalidError` if forged. */
  async decrypt(sealed: Uint8Array): Promise<Uint8Array> {
    const out = await this.#decrypt(sealed);
    if (!out) throw new TokenInvalidError('auth');
    return out.body;
  }

  #tokenMessage(senderId: string, recipientId: string, payload: Uint8Array): Uint8Array {
    return concatBytes(utf8(`${LABEL} token\n${senderId}\n${recipientId}\n`), sha256(payload));
  }

  /** Encrypts `data` (JSON value, string or bytes) to the peer and signs the ciphertext digest. */
  async encode(data: unknown): Promise<EncodedData> {
    const own = await this.#own;
    const { type, bytes } = encodeData(data);
    const sealed = await this.#encrypt(type, bytes);
    const sig = await own.sign(this.#tokenMessage(own.publicKey.id, this.#peer.id, sealed));
    const text = toBase64Url(sealed);
    return {
      token: messageToken(`1.${own.publicKey.id}.${toBase64Url(sig)}`, own.publicKey.id),
      data: text,
      payload: text,
    };
  }

  /**
   * Verifies and decrypts a message from the peer; `token` is the token text or the token object
   * `encode` returned. Never throws on bad input: `isValid` is false.
   */
  async decode(token: string | { readonly encoded: string }, payload: string): Promise<DecodedData> {
    const invalid: DecodedData = { data: undefined, isValid: false };
    if (typeof token === 'object' && token !== null) {
      const encoded = Object.hasOwn(token, 'encoded') ? token.encoded : undefined;
      if (typeof encoded !== 'string') return invalid;
      token = encoded;
    }
    if (typeof token !== 'string' || typeof payload !== 'string' || token.length > 512) return invalid;
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== '1' || parts[1] !== this.#peer.id) return invalid;
    const sig = fromBase64Url(parts[2]!);
    const sealed = fromBase64Url(payload);
    if (!sig || !sealed) return invalid;
    const own = await this.#own;
    this.#verifier ??= createVerifier(this.#peer);
    const ok = await (await this.#verifier)(this.#tokenMessage(this.#peer.id, own.publicKey.id, sealed), sig);
    if (!ok) return invalid;
    const opened = await this.#decrypt(sealed);
    if (!opened) return invalid;
    let data: unknown;
    try {
      data = reviveData(opened.contentType, opened.body);
    } catch {
      return invalid;
    }
    if (data === undefined && opened.body.length > 0) data = fromUtf8(opened.body);
    return { data, isValid: true };
  }

  /** JSON form: public keys only. */
  toJSON(): { peerKey: string; pubKey: string | null } {
    return { peerKey: this.peerKey, pubKey: this.#ownReady?.publicKey.id ?? null };
  }
}

// `util.inspect` / `console.log` form: public keys only. Defined outside the class body because a
// computed symbol member cannot be typed under isolatedDeclarations.
Object.defineProperty(CryptoSession.prototype, INSPECT, {
  value(this: CryptoSession): string {
    let pub = '(loading)';
    try {
      pub = this.pubKey;
    } catch {}
    return `CryptoSession { peerKey: '${this.peerKey}', pubKey: '${pub}', secretKey: [redacted] }`;
  },
});
