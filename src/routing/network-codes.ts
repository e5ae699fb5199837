/** How an MCC/MNC is written in the networks file, routes.yaml and on the command line. */
export const MCCMNC_PATTERN = /^\d{3}-\d{2,3}$/;
export const MCCMNC_SHAPE = 'MCC and MNC joined by "-", e.g. "510-10" (3 digits, then 2 or 3)';
