/**
 * Every scenario `npm run bench` runs, in this order. Add yours here (one import, one entry);
 * bench/README.md tells how to write one.
 */
import type { Scenario } from '../lib';
import { platform } from './platform';
import { coparent } from './coparent';
import { compass } from './compass';
import { cakeplanner } from './cakeplanner';
import { conduct } from './conduct';
import { conductNotify } from './conduct-notify';
import { fanout } from './fanout';

export const scenarios: Scenario[] = [platform, coparent, compass, cakeplanner, conduct, conductNotify, fanout];
