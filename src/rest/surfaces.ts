/** Every REST compatibility surface, mounted under /<id> (and at the root for COMPAT_ROOT). */
import type { SurfaceDefinition } from './engine/types';
import { coparentSurface } from './coparent/routes';

export const surfaces: SurfaceDefinition[] = [coparentSurface];
