-- _init.lua: runs once at boot (called from init.lua) and makes LFS modules
-- reachable through `require` and through a read-only global table `LFS`.

-- node.LFS.get is the API since 2020; node.flashindex is its older name.
local lookup = node.LFS and node.LFS.get or node.flashindex

-- LFS.name returns the module's main function; LFS._time, LFS._list and
-- LFS._config expose the image's build time, module list and flash geometry.
local lfs_table = setmetatable({}, {
  __index = function(_, name)
    local result, base, mapped, size, modules = lookup(name)
    if not base then
      return result             -- a module's function, or nil
    elseif name == "_time" then
      return result
    elseif name == "_list" then
      return modules
    elseif name == "_config" then
      local fs_mapped, fs_size = file.fscfg()
      return { lfs_base = base, lfs_mapped = mapped, lfs_size = size,
               fs_mapped = fs_mapped, fs_size = fs_size }
    end
    return nil
  end,
  __newindex = function(_, name)
    error("LFS is read-only: cannot assign LFS." .. tostring(name), 2)
  end,
})
LFS = lfs_table

-- package.loaders[1] looks in package.preload and [2] in SPIFFS. The LFS
-- searcher goes third, so a SPIFFS copy of a module (handy while debugging)
-- still wins over the one in flash.
package.loaders[3] = function(name)
  return lfs_table[name]
end

-- Lua 5.0 style module() costs RAM and nobody here needs it.
module = nil
package.seeall = nil
