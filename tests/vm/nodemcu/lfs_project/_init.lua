-- LFS start-up module (the _init convention): a global LFS table, an LFS searcher for
-- require, and loadfile/dofile that fall back to modules in flash.
local lfs_get = node.LFS.get
LFS = setmetatable({}, {
  __index = function(_, name) return lfs_get(name) end,
  __newindex = function() error("LFS is read-only") end,
})
package.loaders[3] = function(name)
  local fn = lfs_get(name)
  if fn then return fn end
  return "\n\tno module '" .. name .. "' in LFS"
end
local plain_loadfile = loadfile
loadfile = function(name)
  local base = name:match("^(.-)%.lc?u?a?$") or name
  local fn = lfs_get(base)
  if fn then return fn end
  return plain_loadfile(name)
end
dofile = function(name)
  local fn = assert(loadfile(name))
  return fn()
end
