/**
 * DeepSeekHashV1 test vectors, protocol reference §5.2: the first four from the official WASM (via ds2api's tests),
 * the last three real challenges with their answers.
 */
export const HASH_VECTORS: ReadonlyArray<readonly [input: string, digest: string]> = [
  ["", "e594808bc5b7151ac160c6d39a02e0a8e261ed588578403099e3561dc40c26b3"],
  ["testsalt_1700000000_42", "d4a2ea58c89e40887c933484868380c6f803eaa8dc53a3b9df8e431b921a4f09"],
  ["testsalt_1700000000_100000", "abea2f35796b65486e9be1b36f7878c66cab021e96faa473fdf4decd31f9ba30"],
  ["abc123salt_1700000000_12345", "74b3b7452745b70e85eb32ee7f0a9ec0381d42dd5137b695da915e104fc390e1"],
  ["404e9b1b931574575ab7_1772967221890_55317", "38c282a8dfab4b018b6c2466b600f572a4caa68367e8ff05db40779f6f329f3b"],
  ["4e8565ce57578f4efb4d_1791027488061_31223", "56792d7dd642aa1c27191ba9710df5ceb3504cd3a55b225b13f6dad53356f560"],
  ["17738b0f3ba7f708b8a2_1773608037291_16", "b2cf746eb1e9669b6e3e49b2b9f1b5fdacd177cdc8553067f29c702b0524dc0d"],
];

/**
 * Prefix lengths that cover every alignment of the nonce within a lane, the case where the nonce spills into a second
 * block (slow path), whole pre-absorbed blocks and a prefix ending exactly on a block boundary.
 */
export const PREFIX_LENGTHS = [0, 1, 2, 3, 4, 5, 6, 7, 35, 100, 119, 120, 128, 130, 135, 136, 140, 300];

/** Byte lengths around every padding boundary of the 136-byte rate. */
export const PADDING_LENGTHS = [0, 1, 7, 8, 31, 32, 134, 135, 136, 137, 271, 272, 273, 1000];
