/** Every REST compatibility surface, mounted under /<id> (and at the root for COMPAT_ROOT). */
import type { SurfaceDefinition } from './engine/types';
import { coparentSurface } from './coparent/routes';
import { compassSurface } from './compass/routes';
import { cakeplannerSurface } from './cakeplanner/routes';
import { conductSurface } from './conduct/routes';

export const surfaces: SurfaceDefinition[] = [coparentSurface, compassSurface, cakeplannerSurface, conductSurface];
